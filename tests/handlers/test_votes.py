"""Reactions become votes (handlers/votes.py), on a digest really published to Slack and Discord chats."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.core.digest_view import digest_thread
from bot.core.models import Digest, ReactionEvent
from handlers.publish import publish
from handlers.service import BotService
from tests.handlers.seeding import TEAM, cards, reply, seed_store
from tests.support import FakeChat, make_config, make_deps


@pytest.fixture
async def posted(tmp_path: Path):
    """A service whose store holds the 2026-01-27 digest, posted to Slack C1 and Discord D1."""
    config = make_config(tmp_path, team={"slack_channels": ["C1"], "discord_channels": ["D1"]})
    deps = make_deps(config, chats={"slack": FakeChat("slack"), "discord": FakeChat("discord")})
    picks = seed_store(deps.store)["2026-01-27"]
    digest = Digest(TEAM, date(2026, 1, 27), "llm:gpt-5", 700, 398, tuple(picks), digest_size=10)
    await publish(digest_thread(digest), team=config.teams[0], deps=deps)
    service = BotService(deps)
    service.add_bot_user("UBOT")
    yield service, [p.paper.arxiv_id for p in picks]
    deps.store.close()


def _react(service: BotService, platform: str, post: int, user: str, emoji: str, *, added: bool = True):
    """React to post n of the platform's chat (0 = the parent with the top 10, k = the reply of pick k)."""
    chat = service.deps.chats[platform]
    channel, _, message = chat.posts[post]
    assert message.papers  # every post of the digest stands for its paper(s)
    ev = ReactionEvent(platform, channel, f"m{post + 1}", user, emoji, added=added)
    return service.on_reaction(ev)


def _votes(service: BotService) -> list[tuple]:
    return service.deps.store.sync(lambda db: [tuple(r.values()) for r in db.query(
        "SELECT arxiv_id, platform, user, value FROM votes ORDER BY arxiv_id, platform, user")])


async def test_add_and_remove_a_vote_on_a_paper_reply(posted) -> None:
    service, ids = posted
    assert await _react(service, "slack", 1, "U1", "+1") == f"voted {ids[0]}"
    assert _votes(service) == [(ids[0], "slack", "U1", 1)]
    assert await _react(service, "slack", 1, "U1", "+1", added=False) == f"unvoted {ids[0]}"
    assert _votes(service) == []


async def test_a_duplicate_vote_counts_once(posted) -> None:
    service, ids = posted
    assert await _react(service, "slack", 2, "U1", "+1") == f"voted {ids[1]}"
    assert await _react(service, "slack", 2, "U1", "thumbsup") == f"no change {ids[1]}"
    assert await _react(service, "slack", 2, "U1", "+1::skin-tone-3") == f"no change {ids[1]}"
    assert _votes(service) == [(ids[1], "slack", "U1", 1)]


async def test_a_downvote_and_changing_ones_mind(posted) -> None:
    service, ids = posted
    await _react(service, "discord", 3, "42", "👎")
    assert _votes(service) == [(ids[2], "discord", "42", -1)]
    # 👍 beside the 👎: the two cancel while both are there.
    assert await _react(service, "discord", 3, "42", "👍") == f"unvoted {ids[2]}"
    assert _votes(service) == []
    # Removing the old 👎 leaves the 👍: an upvote.
    assert await _react(service, "discord", 3, "42", "👎", added=False) == f"voted {ids[2]}"
    assert _votes(service) == [(ids[2], "discord", "42", 1)]


async def test_unknown_messages_own_reactions_and_other_emoji_are_ignored(posted) -> None:
    service, ids = posted
    unknown = ReactionEvent("slack", "C1", "not-a-post", "U1", "+1", added=True)
    assert await service.on_reaction(unknown) == "ignored: not a paper message"
    assert await _react(service, "slack", 1, "UBOT", "+1") == "ignored: the bot's own reaction"
    assert await _react(service, "slack", 1, "U1", "tada") == "ignored: not a voting emoji"
    assert _votes(service) == []


async def test_numbered_reactions_vote_for_the_nth_paper_of_the_post(posted) -> None:
    service, ids = posted
    assert await _react(service, "slack", 0, "U1", "three") == f"voted {ids[2]}"
    assert await _react(service, "discord", 0, "7", "🔟") == f"voted {ids[9]}"
    assert await _react(service, "discord", 0, "7", "1️⃣") == f"voted {ids[0]}"
    assert await _react(service, "slack", 1, "U1", "two") == "ignored: no paper at that number"  # a one-paper reply
    assert _votes(service) == sorted([(ids[2], "slack", "U1", 1), (ids[9], "discord", "7", 1),
                                      (ids[0], "discord", "7", 1)])
    assert await _react(service, "slack", 0, "U1", "three", added=False) == f"unvoted {ids[2]}"


async def test_votes_from_two_platforms_add_up_in_papers_top(posted) -> None:
    service, ids = posted
    target = ids[20]  # far down the digest: the votes alone lift it
    for platform, user in (("slack", "U1"), ("slack", "U2"), ("discord", "U1")):
        assert await _react(service, platform, 21, user, "👍" if platform == "discord" else "fire") == (
            f"voted {target}")
    await _react(service, "discord", 2, "U9", "⬆")  # Discord may drop the variation selector
    top = cards(await reply(service.deps, "/papers top all"))
    assert [(c.arxiv_id, c.votes) for c in top] == [(target, 3), (ids[1], 1)]
    week = cards(await reply(service.deps, "/papers week"))
    assert [(c.arxiv_id, c.votes) for c in week[:2]] == [(target, 3), (ids[1], 1)]
