"""Pasted arXiv links unfurl into paper cards; @paperbot in a paper's thread answers: the real bolt app and
slack_sdk client against the fake Web API, the real LLM ports and arXiv source against their fakes.

Payloads: the envelope of bolt-python's recorded app_mention body (tests/fixtures/slack/bolt_python_tests/
event_app_mention.json), its event or the link_shared event of bolt-python's own tests
(event_link_shared.json), aimed at our channel and arXiv links; java-slack-sdk's schema samples check
that every documented key is tolerated.
"""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.models.blocks import Block

from bot.core.digest_view import digest_thread
from handlers.publish import publish
from storage import papers as paper_store
from tests.fakes.arxiv_server import ArxivServer
from tests.fakes.openai_server import FakeOpenAI, user_prompt
from tests.fakes.slack_api import FakeSlack
from tests.handlers.paper_chat import NEW_PAPER, llm_deps
from tests.platforms.slack.conftest import (
    CHANNEL,
    SlackEnv,
    fixture_json,
    make_digest,
    make_env,
    sign,
    slack_config,
)

BOT_USER = "W12345678"  # user_id of Slack's official auth.test example, which the fake answers
URL = f"https://arxiv.org/abs/{NEW_PAPER.arxiv_id}v1"


@pytest.fixture
async def env(tmp_path: Path, slack_api: FakeSlack, openai_server: FakeOpenAI,
              arxiv_server: ArxivServer) -> AsyncIterator[SlackEnv]:
    config = slack_config(tmp_path, slack_api)
    deps, chat = llm_deps(config, openai_server, arxiv_server)
    built = make_env(slack_api, config, deps)
    yield built
    await built.adapter.stop()
    deps.store.close()
    await chat.aclose()


def envelope(event: dict[str, Any], *, event_id: str) -> dict[str, Any]:
    """bolt-python's recorded event_callback envelope around `event`."""
    body = fixture_json("bolt_python_tests/event_app_mention.json")
    body.update(event=event, event_id=event_id)
    return body


def link_shared(urls: list[str], *, ts: str = "1595926230.009600", event_id: str = "EvL1", **extra: Any) -> dict:
    """bolt-python's link_shared event with our links, in our channel, on message `ts`."""
    event = fixture_json("bolt_python_tests/event_link_shared.json")["event"]
    event.pop("thread_ts")  # a top-level message
    event.update(channel=CHANNEL, message_ts=ts, links=[{"domain": "arxiv.org", "url": u} for u in urls], **extra)
    return envelope(event, event_id=event_id)


def app_mention(text: str, *, thread_ts: str = "", event_id: str = "EvM1", ts: str = "1595926299.000100") -> dict:
    """bolt-python's recorded app_mention, with our words, in our channel (in a thread when thread_ts is set)."""
    event = fixture_json("bolt_python_tests/event_app_mention.json")["event"]
    event.update(text=f"<@{BOT_USER}> {text}".strip(), channel=CHANNEL, ts=ts, event_ts=ts)
    if thread_ts:
        event["thread_ts"] = thread_ts
    return envelope(event, event_id=event_id)


async def send(env: SlackEnv, body: dict[str, Any]) -> int:
    """Post an Events API envelope, signed, through bolt; wait for the listeners."""
    raw = json.dumps(body)
    return (await env.dispatch(raw, headers=sign(raw, content_type="application/json"))).status


def texts(blocks: list[dict]) -> str:
    """Every text of a list of blocks, joined (to look for what a user sees)."""
    return json.dumps(blocks, ensure_ascii=False)


async def test_a_pasted_link_unfurls_into_the_scored_card_with_the_paper_buttons(env: SlackEnv):
    assert await send(env, link_shared([URL, "https://arxiv.org/abs/2601.99999"])) == 200
    [call] = env.api.calls_to("chat.unfurl")
    assert (call.body["channel"], call.body["ts"]) == (CHANNEL, "1595926230.009600")
    assert list(call.body["unfurls"]) == [URL]  # the unknown paper unfurls nothing
    blocks = call.body["unfurls"][URL]["blocks"]
    for b in blocks:
        Block.parse(b).validate_json()
    shown = texts(blocks)
    assert NEW_PAPER.title in shown and "Relevance *9* · Novelty *8*" in shown and "Ada Lovelace" in shown
    assert "Model Architecture: latent routing" in shown and "Scored just now by gpt-4o-mini" in shown
    buttons = [el["value"] for b in blocks if b["type"] == "actions" for el in b["elements"]]
    assert buttons == [f"/explain {NEW_PAPER.arxiv_id}", f"/papers upvote {NEW_PAPER.arxiv_id}",
                       f"/papers like {NEW_PAPER.arxiv_id}"]
    await send(env, link_shared([URL]))  # Slack's redelivery of the same event id: no second unfurl
    assert len(env.api.calls_to("chat.unfurl")) == 1


async def test_a_question_in_the_thread_of_an_unfurled_link_is_answered_there(env: SlackEnv,
                                                                                openai_server: FakeOpenAI):
    await send(env, link_shared([URL], ts="1700000000.000100"))
    await send(env, app_mention("How much faster is inference?", thread_ts="1700000000.000100"))
    [post] = env.api.calls_to("chat.postMessage")
    assert post.body["thread_ts"] == "1700000000.000100" and post.body["channel"] == CHANNEL
    assert "Inference latency drops by 30% on H100 GPUs" in texts(post.body["blocks"])
    assert "Sections: 3 Experiments" in texts(post.body["blocks"])
    assert "3 Experiments" in user_prompt(openai_server.requests[-1])
    assert env.api.calls_to("conversations.replies") == []  # the bot knew the thread: nothing read
    await send(env, app_mention("And the accuracy?", thread_ts="1700000000.000100", event_id="EvM2",
                                ts="1700000000.000300"))
    assert "Q: How much faster is inference?" in user_prompt(openai_server.requests[-1])


async def test_the_composer_unfurl_uses_unfurl_id_and_every_documented_key_is_tolerated(env: SlackEnv):
    body = fixture_json("java_sdk_schema_samples/LinkSharedPayload.json")  # every key, blank values
    body["event"].update(channel="COMPOSER", user="U111", message_ts="U111-909b5454", unfurl_id="U111-909b5454",
                         source="composer", links=[{"domain": "arxiv.org", "url": URL}])
    body.update(type="event_callback", event_id="EvC1")
    await send(env, body)
    [call] = env.api.calls_to("chat.unfurl")
    assert (call.body.get("unfurl_id"), call.body.get("source"), call.body.get("channel")) == (
        "U111-909b5454", "composer", None)


async def test_a_link_alone_gets_its_card_in_the_thread_of_the_mention(env: SlackEnv):
    await send(env, app_mention(f"<{URL}|arxiv.org/abs/{NEW_PAPER.arxiv_id}>"))
    [post] = env.api.calls_to("chat.postMessage")
    assert post.body["thread_ts"] == "1595926299.000100" and NEW_PAPER.title in texts(post.body["blocks"])


async def test_a_shared_explain_answer_is_read_to_find_its_paper(env: SlackEnv):
    # A /explain answer shared to the channel through response_url: Slack never told the bot its ts.
    env.api.threads["1690000000.000200"] = {"text": f"{NEW_PAPER.title} ({NEW_PAPER.arxiv_id}): TL;DR: It routes "
                                                    "tokens in a latent space …", "user": "W12345678"}
    await send(env, app_mention("Does it help latency?", thread_ts="1690000000.000200"))
    [read] = env.api.calls_to("conversations.replies")
    assert read.body["ts"] == "1690000000.000200" and read.body["channel"] == CHANNEL
    [post] = env.api.calls_to("chat.postMessage")
    assert f"*Q:* Does it help latency? — <{NEW_PAPER.abs_url}|{NEW_PAPER.arxiv_id}>" in texts(post.body["blocks"])


async def test_hints_and_unknown_threads_are_whispered_to_the_asker(env: SlackEnv):
    await send(env, app_mention("what is this about?", thread_ts="1111.2222"))  # thread_not_found: no paper
    [hint] = env.api.calls_to("chat.postEphemeral")
    assert hint.body["user"] == "W222" and hint.body["thread_ts"] == "1111.2222"
    assert "I can't tell which paper this is about." in hint.body["text"]
    assert env.api.calls_to("chat.postMessage") == []


async def test_in_a_digest_thread_the_bot_asks_which_paper(env: SlackEnv):
    digest = make_digest(3)
    await env.deps.store.call(paper_store.upsert_papers, [p.paper for p in digest.picks])
    thread = digest_thread(digest)
    await publish(thread, team=env.config.teams[0], deps=env.deps)
    parent_ts = env.api.calls_to("chat.postMessage")[0].answer["ts"]
    await send(env, app_mention("what is new?", thread_ts=parent_ts))
    [hint] = env.api.calls_to("chat.postEphemeral")
    assert hint.body["text"].startswith("This thread is about 3 papers.")
    first = thread.replies[0].papers[0]
    await send(env, app_mention(f"{first} what is new?", thread_ts=parent_ts, event_id="EvM2"))
    answer = texts(env.api.calls_to("chat.postMessage")[-1].body["blocks"])
    assert f"*Q:* what is new? — <https://arxiv.org/abs/{first}|{first}>" in answer


async def test_app_mention_with_every_documented_key(env: SlackEnv):
    body = fixture_json("java_sdk_schema_samples/AppMentionPayload.json")
    body["event"] = {**copy.deepcopy(body["event"]), "text": f"<@{BOT_USER}> <{URL}>", "channel": CHANNEL,
                     "user": "W222", "ts": "1595926299.000900", "thread_ts": ""}
    body.update(type="event_callback", event_id="EvS1")
    await send(env, body)
    assert NEW_PAPER.title in texts(env.api.calls_to("chat.postMessage")[0].body["blocks"])


async def test_the_bots_own_posts_are_never_unfurled(env: SlackEnv):
    await env.adapter.start()  # auth.test: the bot knows its own user id
    await send(env, link_shared([URL], user=BOT_USER))
    assert env.api.calls_to("chat.unfurl") == []


async def test_a_question_that_tries_to_ping_everyone_pings_nobody(env: SlackEnv):
    await send(env, link_shared([URL], ts="1700000000.000100"))
    await send(env, app_mention("<!channel> @here is it faster?", thread_ts="1700000000.000100"))
    [post] = env.api.calls_to("chat.postMessage")
    shown = texts(post.body["blocks"]) + post.body["text"]
    assert "<!channel>" not in shown and "&lt;!channel&gt;" in shown
    assert "@here" not in shown and "@\u2060here" in shown
