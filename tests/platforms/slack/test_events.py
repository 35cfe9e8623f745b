"""Reactions are votes: recorded Slack events through the real bolt app change the stored votes, once."""

from __future__ import annotations

import copy
import json
from typing import Any

from bot.core.digest_view import digest_thread
from handlers.publish import publish
from storage import posts, votes
from tests.platforms.slack.conftest import CHANNEL, TEAM, SlackEnv, fixture_json, make_digest, sign

BOT_USER = "W12345678"  # user_id in Slack's official auth.test example, which the fake answers


def reaction(kind: str, *, ts: str, emoji: str, user: str = "W111", event_id: str = "Ev111",
             item_type: str = "message") -> dict[str, Any]:
    """bolt-python's recorded reaction_added envelope, aimed at one of our posts."""
    body = fixture_json("bolt_python_tests/event_reaction_added.json")
    body["event"].update(type=kind, user=user, reaction=emoji)
    body["event"]["item"].update(type=item_type, channel=CHANNEL, ts=ts)
    body["event_id"] = event_id
    return body


async def send(env: SlackEnv, body: dict[str, Any], *, retry: int | None = None) -> int:
    """Post an Events API envelope, signed (with Slack's retry headers when `retry` is set)."""
    raw = json.dumps(body)
    headers = sign(raw, content_type="application/json")
    if retry is not None:
        headers.update({"x-slack-retry-num": str(retry), "x-slack-retry-reason": "http_timeout"})
    resp = await env.dispatch(raw, headers=headers)
    return resp.status


async def published(env: SlackEnv, n: int = 3, size: int = 10) -> tuple[list[str], dict[str, str], list[str]]:
    """Post a digest to the fake; (parent ts list, paper -> reply ts, parent's paper order)."""
    thread = digest_thread(make_digest(n, size=size))
    await publish(thread, team=env.config.teams[0], deps=env.deps)
    rows = await env.deps.store.call(posts.posts_for, team=TEAM, kind="daily", period="2026-01-27")
    parent = json.loads(rows[0]["message_ids"])
    replies = {r["key"]: json.loads(r["message_ids"])[0] for r in rows[1:]}
    return parent, replies, list(thread.parent.papers)


async def net(env: SlackEnv, arxiv_id: str) -> int:
    """The stored net votes of a paper."""
    return (await env.deps.store.call(votes.net_votes, TEAM, [arxiv_id])).get(arxiv_id, 0)


async def test_thumbs_up_on_a_paper_reply_votes_and_removing_it_unvotes(env: SlackEnv):
    _, replies, _ = await published(env)
    paper, ts = next(iter(replies.items()))
    assert await send(env, reaction("reaction_added", ts=ts, emoji="+1", event_id="Ev1")) == 200
    assert await net(env, paper) == 1
    removed = fixture_json("java_sdk_schema_samples/ReactionRemovedPayload.json")  # every documented key
    removed["event"].update(user="W111", reaction="+1")
    removed["event"]["item"].update(channel=CHANNEL, ts=ts)
    removed["event_id"] = "Ev2"
    await send(env, removed)
    assert await net(env, paper) == 0


async def test_official_envelope_with_skin_tone_and_down_vote(env: SlackEnv):
    _, replies, _ = await published(env)
    paper, ts = list(replies.items())[1]
    official = fixture_json("slack_events_api_wrapper_examples.official_spec.json")[1]  # reaction_added, "thumbsup"
    up = copy.deepcopy(official)
    up["event"]["item"].update(channel=CHANNEL, ts=ts)
    up["event"]["reaction"] = "thumbsup::skin-tone-3"
    await send(env, up)
    assert await net(env, paper) == 1
    down = reaction("reaction_added", ts=ts, emoji="-1", user="U0OTHER", event_id="Ev9")
    await send(env, down)
    assert await net(env, paper) == 0  # +1 and -1 from two people


async def test_numbered_reaction_on_the_parent_votes_for_that_rank(env: SlackEnv):
    parent, _, order = await published(env, n=5)
    await send(env, reaction("reaction_added", ts=parent[0], emoji="three"))
    assert [await net(env, p) for p in order] == [0, 0, 1, 0, 0]


async def test_numbered_reaction_on_any_part_of_a_split_parent_counts(env: SlackEnv):
    parent, _, order = await published(env, n=40, size=40)
    assert len(parent) >= 2
    await send(env, reaction("reaction_added", ts=parent[-1], emoji="keycap_ten"))
    assert await net(env, order[9]) == 1


async def test_slack_retry_of_an_event_is_counted_once(env: SlackEnv):
    _, replies, _ = await published(env)
    paper, ts = next(iter(replies.items()))
    added = reaction("reaction_added", ts=ts, emoji="+1", event_id="Ev1")
    await send(env, added)
    await send(env, reaction("reaction_removed", ts=ts, emoji="+1", event_id="Ev2"))
    assert await net(env, paper) == 0
    # Slack did not see our ack in time and redelivers the first event: it must not vote again.
    assert await send(env, added, retry=1) == 200
    assert await net(env, paper) == 0
    seen = await env.deps.store.call(lambda db: [r["event_id"] for r in db.query("SELECT event_id FROM seen_events")])
    assert sorted(seen) == ["Ev1", "Ev2"]


async def test_other_emoji_and_non_message_items_are_not_votes(env: SlackEnv):
    _, replies, _ = await published(env)
    paper, ts = next(iter(replies.items()))
    await send(env, reaction("reaction_added", ts=ts, emoji="heart_eyes", event_id="Ev1"))
    await send(env, reaction("reaction_added", ts=ts, emoji="+1", event_id="Ev2", item_type="file"))
    assert await net(env, paper) == 0


async def test_the_bots_own_reactions_never_count(env: SlackEnv):
    await env.adapter.start()  # auth.test -> the bot's user id is registered with the service
    _, replies, _ = await published(env)
    paper, ts = next(iter(replies.items()))
    await send(env, reaction("reaction_added", ts=ts, emoji="+1", user=BOT_USER, event_id="Ev1"))
    assert await net(env, paper) == 0
    await send(env, reaction("reaction_added", ts=ts, emoji="+1", user="W111", event_id="Ev2"))
    assert await net(env, paper) == 1
