"""Votes follow reactions: a member's vote is derived from the vote reactions they still have on a paper.

Through the real SDKs: signed Slack events through the bolt app, Discord gateway dispatches through the
real discord.py client (payloads as the gateway documents them, `burst`/`type` for super reactions).
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlite_utils import Database

from bot.config import Config
from bot.core.digest_view import digest_thread
from bot.core.message import Thread
from bot.platforms.discord.adapter import DiscordAdapter
from handlers.publish import publish
from storage import votes
from storage.db import open_db
from storage.migrations import migrations
from storage.votes import record_reaction
from tests.fakes.discord_api import GUILD_ID, FakeDiscord
from tests.platforms.discord.conftest import TEAM, Service, make_digest, reaction_event, seed_papers, until
from tests.platforms.slack.conftest import SlackEnv
from tests.platforms.slack.test_events import net, published, reaction, send


async def test_slack_two_up_reactions_then_one_removed_keeps_the_upvote(env: SlackEnv) -> None:
    _, replies, _ = await published(env)
    paper, ts = next(iter(replies.items()))
    await send(env, reaction("reaction_added", ts=ts, emoji="+1", event_id="Ev1"))
    await send(env, reaction("reaction_added", ts=ts, emoji="fire", event_id="Ev2"))
    assert await net(env, paper) == 1
    await send(env, reaction("reaction_removed", ts=ts, emoji="+1", event_id="Ev3"))
    assert await net(env, paper) == 1, "the 🔥 is still there"
    await send(env, reaction("reaction_removed", ts=ts, emoji="fire", event_id="Ev4"))
    assert await net(env, paper) == 0


async def test_slack_up_and_down_from_one_member_cancel_and_removing_one_restores_the_other(env: SlackEnv) -> None:
    _, replies, _ = await published(env)
    paper, ts = next(iter(replies.items()))
    await send(env, reaction("reaction_added", ts=ts, emoji="+1", event_id="Ev1"))
    await send(env, reaction("reaction_added", ts=ts, emoji="-1", event_id="Ev2"))
    assert await net(env, paper) == 0
    await send(env, reaction("reaction_removed", ts=ts, emoji="+1", event_id="Ev3"))
    assert await net(env, paper) == -1
    await send(env, reaction("reaction_added", ts=ts, emoji="thumbsup", event_id="Ev4"))
    await send(env, reaction("reaction_added", ts=ts, emoji="arrow_up", event_id="Ev5"))
    assert await net(env, paper) == 1, "two ups and one down: an upvote"


async def test_slack_vote_through_the_parent_and_the_reply_counts_once_and_survives_either_removal(
        env: SlackEnv) -> None:
    parent, replies, order = await published(env)
    paper = order[1]
    await send(env, reaction("reaction_added", ts=parent[0], emoji="two", event_id="Ev1"))
    await send(env, reaction("reaction_added", ts=replies[paper], emoji="+1", event_id="Ev2"))
    assert await net(env, paper) == 1
    await send(env, reaction("reaction_removed", ts=parent[0], emoji="two", event_id="Ev3"))
    assert await net(env, paper) == 1


# --- Discord: super reactions and clears -------------------------------------------------------------------------

def super_reaction(message_id: str, emoji: str, *, channel: str, user: str, added: bool = True) -> dict[str, Any]:
    """A burst ("super") reaction: `burst` true and `type` 1; a remove carries no colours, member or author."""
    data = reaction_event(message_id, emoji, user=user, channel=channel)
    data.update(burst=True, type=1, burst_colors=["#ffcc4d", "#ff8a3d"])
    if not added:
        for key in ("burst_colors", "message_author_id", "member"):
            data.pop(key, None)
    return data


@pytest.fixture
async def posted(adapter: DiscordAdapter, service: Service, config: Config, fake: FakeDiscord) -> tuple[Thread, str, list[str]]:
    """A 3-paper digest posted through the adapter: (thread, parent message id, reply ids)."""
    thread = digest_thread(make_digest(seed_papers(3)))
    service.deps.platforms = {"discord": adapter}
    await publish(thread, team=config.teams[0], deps=service.deps)
    parent = next(iter(fake.messages))
    return thread, parent, [m["id"] for m in fake.channel_posts(parent)]


async def dnet(service: Service, arxiv_id: str) -> int:
    """Stored net votes of a paper."""
    return (await service.deps.store.call(votes.net_votes, TEAM, [arxiv_id])).get(arxiv_id, 0)


async def settled(service: Service, arxiv_id: str, expected: int, what: str) -> None:
    """Wait until the paper's net votes are `expected` (gateway events are handled asynchronously)."""
    async def check() -> bool:
        return await dnet(service, arxiv_id) == expected
    await until(check, what=what)


async def test_discord_super_and_normal_reaction_do_not_cancel(posted, fake: FakeDiscord, service: Service) -> None:
    thread, parent, replies = posted
    paper, msg, user = thread.replies[0].papers[0], replies[0], "1001"
    await fake.dispatch("MESSAGE_REACTION_ADD", reaction_event(msg, "👍", user=user, channel=parent))
    await fake.dispatch("MESSAGE_REACTION_ADD", super_reaction(msg, "👍", user=user, channel=parent))
    await settled(service, paper, 1, "normal + super 👍: one upvote")
    await fake.dispatch("MESSAGE_REACTION_REMOVE", super_reaction(msg, "👍", user=user, channel=parent, added=False))
    # A marker event after it: once the marker's vote is in, the removal above has been handled too.
    await fake.dispatch("MESSAGE_REACTION_ADD", reaction_event(replies[2], "👍", user="9", channel=parent))
    await settled(service, thread.replies[2].papers[0], 1, "the marker vote")
    assert await dnet(service, paper) == 1, "removing the super reaction keeps the normal one's vote"
    await fake.dispatch("MESSAGE_REACTION_REMOVE", reaction_event(msg, "👍", user=user, channel=parent))
    await settled(service, paper, 0, "both gone: no vote")
    await fake.dispatch("MESSAGE_REACTION_ADD", super_reaction(msg, "🔥", user="1002", channel=parent))
    await settled(service, paper, 1, "a super reaction alone counts like a normal one")


async def test_discord_clearing_one_message_removes_only_the_votes_that_came_through_it(
        posted, fake: FakeDiscord, service: Service) -> None:
    thread, parent, replies = posted
    second = thread.parent.papers[1]
    reply_of_second = replies[[r.papers[0] for r in thread.replies].index(second)]
    await fake.dispatch("MESSAGE_REACTION_ADD", reaction_event(parent, "2️⃣", user="1001"))
    await fake.dispatch("MESSAGE_REACTION_ADD", reaction_event(reply_of_second, "👍", user="1001", channel=parent))
    await fake.dispatch("MESSAGE_REACTION_ADD", reaction_event(parent, "2️⃣", user="1002"))
    await settled(service, second, 2, "two members' votes")
    await fake.dispatch("MESSAGE_REACTION_REMOVE_ALL", {"channel_id": parent, "message_id": parent, "guild_id": GUILD_ID})
    await settled(service, second, 1, "1002's vote (parent only) gone, 1001's vote through the reply kept")

    # MESSAGE_REACTION_REMOVE_EMOJI for 👍 on the reply where 1003 also has 🔥: 🔥 keeps 1003's vote.
    await fake.dispatch("MESSAGE_REACTION_ADD", reaction_event(reply_of_second, "👍", user="1003", channel=parent))
    await fake.dispatch("MESSAGE_REACTION_ADD", super_reaction(reply_of_second, "🔥", user="1003", channel=parent))
    await settled(service, second, 2, "1003's vote")
    await fake.dispatch("MESSAGE_REACTION_REMOVE_EMOJI", {"channel_id": parent, "guild_id": GUILD_ID,
                                                          "message_id": reply_of_second, "emoji": {"id": None, "name": "👍"}})
    await settled(service, second, 1, "every 👍 on the reply gone; 1003's 🔥 remains")
    rows = await service.deps.store.call(lambda db: list(db.query("SELECT user, value FROM votes")))
    assert rows == [{"user": "1003", "value": 1}]


# --- Votes recorded before reactions were stored ------------------------------------------------------------------

def test_votes_from_before_the_migration_stay_and_a_reaction_removal_still_takes_them_back(tmp_path) -> None:
    path = tmp_path / "old.db"
    old = Database(path)
    migrations.apply(old, stop_before="m011_vote_reactions")
    old.execute("INSERT INTO votes VALUES ('t', '2601.00001', 'slack', 'U1', 1, '2026-01-01')")
    old.execute("INSERT INTO votes VALUES ('t', '2601.00001', 'slack', 'U2', -1, '2026-01-01')")
    old.execute("INSERT INTO post_papers VALUES ('slack', 'C1', '111.1', 0, '2601.00001', 't')")
    old.close()
    db = open_db(path)  # applies m011: each vote becomes a "legacy" reaction
    assert votes.net_votes(db, "t", ["2601.00001"]) == {"2601.00001": 0}
    change = record_reaction(db, platform="slack", message_id="111.1", user="U1", reaction="+1", burst=False,
                             slot=0, value=1, added=False)
    assert change is not None and (change.before, change.after) == (1, 0)
    assert votes.net_votes(db, "t", ["2601.00001"]) == {"2601.00001": -1}
    assert not votes.remove_vote(db, team="t", arxiv_id="2601.00001", platform="slack", user="U1", value=1)
    db.close()
