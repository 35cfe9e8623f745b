"""Slash commands, buttons and the criteria modal, signed and sent through the real bolt AsyncApp.

Replies come from the real handlers on a real SQLite store; they arrive at the fake's response_url.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

from slack_sdk.models.views import View

from bot.core.digest_view import digest_thread
from bot.core.message import Message, Paragraph
from bot.core.models import Criteria, Paper, Request
from bot.platforms.slack.forms import ACTION_ID, BLOCK_ID
from bot.platforms.slack.render import render_message
from bot.platforms.slack.replies import WORKING, ReplyTarget
from bot.ports import CallRecord
from storage import criteria as criteria_store
from storage import votes
from tests.platforms.slack.conftest import (
    CHANNEL,
    TEAM,
    SlackEnv,
    assert_valid_post,
    command_body,
    fixture_json,
    interaction_body,
    make_digest,
    sign,
)


@dataclass
class FakeExplainer:
    """A stand-in of our Explainer port (the LLM side is tested in tests/llm)."""

    model: str = "test-model"
    prompt_version: str = "t1"
    asked: list[tuple[str, str]] = field(default_factory=list)

    async def explain(self, paper: Paper, criteria: Criteria, *, question: str = "",
                      full_text: str | None = None) -> tuple[str, CallRecord]:
        """A fixed explanation naming the paper."""
        self.asked.append((paper.arxiv_id, question))
        return (f"TL;DR: {paper.title} in one line.",
                CallRecord("explain", self.model, 100, 20, cost_usd=0.001))


async def _run_here(env: SlackEnv, command: str, text: str, user: str = "W111") -> Message:
    """What the real handler answers this user in our channel (to compare with what Slack got)."""
    return await env.service.run_command(Request("slack", TEAM, CHANNEL, user, text, command))


async def test_papers_search_reply_is_the_handlers_answer_as_ephemeral_block_kit(env: SlackEnv):
    await env.seed_store(30)
    resp = await env.dispatch(command_body("/papers", "search mixture", response_url=env.api.response_url("s")))
    assert resp.status == 200 and resp.body == ""  # acked at once, answered later
    [reply] = env.api.responses("s")
    assert reply["response_type"] == "ephemeral"
    assert_valid_post(reply)
    expected = render_message(await _run_here(env, "papers", "search mixture"))
    assert reply["blocks"] == expected[0].blocks
    assert "Split-on-Share: Mixture of Sparse Experts" in json.dumps(reply["blocks"])


async def test_share_posts_in_channel(env: SlackEnv):
    await env.seed_store(10)
    await env.dispatch(command_body("/papers", "search mixture --share", response_url=env.api.response_url("s")))
    [reply] = env.api.responses("s")
    assert reply["response_type"] == "in_channel"


async def test_criteria_shows_the_team_criteria(env: SlackEnv):
    await env.dispatch(command_body("/criteria", "", response_url=env.api.response_url("c")))
    replies = env.api.responses("c")
    assert replies and all(r["response_type"] == "ephemeral" for r in replies)
    for r in replies:
        assert_valid_post(r)
    shown = json.dumps([r["blocks"] for r in replies], ensure_ascii=False)
    assert "Criteria of foundations" in shown and "Mixture-of-Experts (MoE)" in shown
    assert [r["blocks"] for r in replies] == [p.blocks for p in render_message(await _run_here(env, "criteria", ""))]


async def test_explain_is_slow_so_it_says_working_first_then_answers(env: SlackEnv):
    env.deps.explainer = explainer = FakeExplainer()
    await env.seed_store(3)
    # Slack sends &, <, > as entities; the handler must get what the user typed.
    body = command_body("/explain", "2601.16725 is it &lt; 1B params &amp; fast?", response_url=env.api.response_url("e"))
    await env.dispatch(body)
    first, answer = env.api.responses("e")
    assert (first["text"], first["response_type"]) == (WORKING, "ephemeral")
    assert_valid_post(answer)
    assert "*TL;DR:* LongCat-Flash-Thinking-2601 Technical Report in one line." in json.dumps(answer["blocks"])
    assert explainer.asked == [("2601.16725", "is it < 1B params & fast?")]


async def test_explain_without_llm_says_how_to_configure(env: SlackEnv):
    await env.dispatch(command_body("/explain", "2601.16725", response_url=env.api.response_url("e")))
    assert "No LLM is configured" in env.api.responses("e")[-1]["text"]


async def test_unknown_command_gets_the_command_list(env: SlackEnv):
    await env.dispatch(command_body("/nope", "x", response_url=env.api.response_url("u")))
    [reply] = env.api.responses("u")
    assert "Unknown command /nope" in reply["text"] and "/papers" in reply["text"]


async def test_bad_or_stale_signature_is_rejected_and_nothing_runs(env: SlackEnv):
    body = command_body("/papers", "search mixture", response_url=env.api.response_url("x"))
    forged = await env.dispatch(body, headers=sign(body, secret="not-the-secret"))
    stale = await env.dispatch(body, headers=sign(body, timestamp=int(time.time()) - 6 * 60))
    assert forged.status == 401 and stale.status == 401
    assert env.api.responses("x") == []


async def test_criteria_edit_opens_a_modal_and_its_submission_saves_new_topics(env: SlackEnv):
    await env.dispatch(command_body("/criteria", "edit", response_url=env.api.response_url("c")))
    [opened] = env.api.calls_to("views.open")
    assert opened.body["trigger_id"] == "111.111.xxx"  # from the recorded slash-command payload
    view = opened.body["view"]
    View(**view).validate_json()
    current = await env.deps.store.call(criteria_store.current_criteria, TEAM)
    assert view["blocks"][0]["element"]["initial_value"] == current.criteria.topics
    assert view["blocks"][0]["element"]["multiline"] is True

    payload = fixture_json("bolt_python_tests/view_submission.json")
    new_topics = "Sparse Mixture-of-Experts & routing <at scale>\n- quantization"
    payload["view"].update(callback_id=view["callback_id"], private_metadata=view["private_metadata"],
                           blocks=view["blocks"],
                           state={"values": {BLOCK_ID: {ACTION_ID: {"type": "plain_text_input", "value": new_topics}}}})
    resp = await env.dispatch(interaction_body(payload))
    assert resp.status == 200 and resp.body == ""  # an empty ack closes the modal
    saved = await env.deps.store.call(criteria_store.current_criteria, TEAM)
    assert (saved.version, saved.criteria.topics, saved.author) == (2, new_topics, "slack:W111")
    [told] = env.api.calls_to("chat.postEphemeral")
    assert (told.body["channel"], told.body["user"]) == (CHANNEL, "W111")
    assert told.body["text"].startswith("Saved version 2")


async def test_criteria_edit_by_a_non_editor_is_refused_without_a_modal(env: SlackEnv):
    await env.dispatch(command_body("/criteria", "edit", response_url=env.api.response_url("c"), user="W999"))
    assert env.api.calls_to("views.open") == []
    assert "Only the editors" in env.api.responses("c")[0]["text"]


def _click(button: dict, *, response_url: str, user: str = "W111") -> str:
    payload = fixture_json("bolt_python_tests/block_actions.json")
    payload["actions"][0].update(action_id=button["action_id"], value=button["value"], text=button["text"])
    payload["response_url"] = response_url
    payload["user"]["id"] = user
    return interaction_body(payload)


async def test_upvote_button_of_a_posted_card_votes_for_the_clicker(env: SlackEnv):
    await env.seed_store(3)
    reply = digest_thread(make_digest(3)).replies[0]
    buttons = render_message(reply, votable=True)[0].blocks[-1]["elements"]
    upvote = next(b for b in buttons if b["text"]["text"] == "Upvote")
    await env.dispatch(_click(upvote, response_url=env.api.response_url("b")))
    net = await env.deps.store.call(votes.net_votes, TEAM, ["2601.16725"])
    assert net == {"2601.16725": 1}
    [answer] = env.api.responses("b")
    assert answer["response_type"] == "ephemeral" and answer["replace_original"] is False
    assert "Upvoted “LongCat-Flash-Thinking-2601 Technical Report”" in answer["text"]


async def test_explain_button_runs_explain_for_the_clicker(env: SlackEnv):
    env.deps.explainer = explainer = FakeExplainer()
    await env.seed_store(3)
    reply = digest_thread(make_digest(3)).replies[1]
    explain = render_message(reply, votable=True)[0].blocks[-1]["elements"][0]
    await env.dispatch(_click(explain, response_url=env.api.response_url("b")))
    working, answer = env.api.responses("b")
    assert working["text"] == WORKING and "*TL;DR:*" in json.dumps(answer["blocks"])
    assert explainer.asked == [(reply.papers[0], "")]


async def test_more_button_pages_a_long_list(env: SlackEnv):
    await env.seed_store(40)
    await env.dispatch(command_body("/papers", "search model", response_url=env.api.response_url("p1")))
    [page1] = env.api.responses("p1")
    more = page1["blocks"][-1]["elements"][0]
    assert (page1["blocks"][-1]["type"], more["text"]["text"]) == ("actions", "More")
    await env.dispatch(_click(more, response_url=env.api.response_url("p2")))
    [page2] = env.api.responses("p2")
    expected = render_message(await _run_here(env, "papers", "search model --page 2"))
    assert page2["blocks"] == expected[0].blocks


async def test_reply_longer_than_five_response_url_posts_continues_through_the_web_api(env: SlackEnv):
    from slack_bolt.context.respond.async_respond import AsyncRespond

    long = Message(blocks=tuple(Paragraph.of(f"part {i} " + "z" * 2900) for i in range(30)), fallback="long")
    parts = render_message(long)
    assert len(parts) > 5
    target = ReplyTarget(env.adapter.client, CHANNEL, "W111", respond=AsyncRespond(response_url=env.api.response_url("l")))
    await target.deliver(long)
    assert len(env.api.responses("l")) == 5
    rest = env.api.calls_to("chat.postEphemeral")
    assert len(rest) == len(parts) - 5
    assert [r.body["blocks"] for r in rest] == [p.blocks for p in parts[5:]]


async def test_criteria_edit_without_a_modal_shows_the_form_as_escaped_text(env: SlackEnv):
    env.api.fail("views.open", status=200, error="expired_trigger_id")  # the 3-second trigger ran out
    current = await env.deps.store.call(criteria_store.ensure_team, TEAM, env.config.teams[0].criteria)
    await env.dispatch(command_body("/criteria", "edit", response_url=env.api.response_url("c")))
    [opened] = env.api.calls_to("views.open", ok_only=False)
    assert opened.answer == {"ok": False, "error": "expired_trigger_id"}
    replies = env.api.responses("c")
    for r in replies:
        assert_valid_post(r)
    mrkdwn = [b["text"]["text"] for r in replies for b in r["blocks"] if b["type"] == "section"]
    assert mrkdwn[-1] == "Submit with `/criteria edit &lt;text&gt;`"  # Slack's escaping: shown as <text>
    assert not any("<text>" in t for t in mrkdwn)
    assert current.criteria.topics.splitlines()[1] in "\n".join(mrkdwn)  # the current topics, to copy
