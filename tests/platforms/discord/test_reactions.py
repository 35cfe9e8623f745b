"""Reactions -> votes, through gateway dispatches to the real client (raw events: no message cache needed).

No recording of a MESSAGE_REACTION_* dispatch exists (tests/fixtures/README.md says so): the payloads
are built from the documented field tables (conftest.reaction_event and the clear events below).
"""

from __future__ import annotations

import pytest

from bot.config import Config
from bot.core.digest_view import digest_thread
from bot.core.message import Thread
from bot.platforms.discord.adapter import DiscordAdapter
from handlers.publish import publish
from storage import votes
from tests.fakes.discord_api import BOT_ID, CHANNEL_ID, GUILD_ID, FakeDiscord
from tests.platforms.discord.conftest import TEAM, Service, make_digest, reaction_event, seed_papers, until

OTHER_USER = "167348773423415296"  # "ian", the member of the docs' user-command example


@pytest.fixture
async def posted(adapter: DiscordAdapter, service: Service, config: Config) -> Thread:
    """Today's 3-paper digest published through the adapter's chat (parent + 3 replies in its thread)."""
    thread = digest_thread(make_digest(seed_papers(3)))
    service.deps.platforms = {"discord": adapter}
    await publish(thread, team=config.teams[0], deps=service.deps)
    return thread


def ids(fake: FakeDiscord) -> tuple[str, list[str]]:
    """(parent message id, reply message ids) as the fake assigned them."""
    parent = next(iter(fake.messages))
    return parent, [m["id"] for m in fake.channel_posts(parent)]


async def net(service: Service, arxiv_id: str) -> int:
    """The paper's net votes in the store."""
    return (await service.deps.store.call(votes.net_votes, TEAM, [arxiv_id])).get(arxiv_id, 0)


async def test_add_and_remove_on_a_reply(posted: Thread, fake: FakeDiscord, service: Service) -> None:
    _, replies = ids(fake)
    paper = posted.replies[1].papers[0]
    await fake.dispatch("MESSAGE_REACTION_ADD", reaction_event(replies[1], "👍", channel=ids(fake)[0]))
    await until(lambda: net(service, paper), what="the 👍 stored as a vote")
    assert await net(service, paper) == 1

    await fake.dispatch("MESSAGE_REACTION_ADD", reaction_event(replies[1], "👍", user=OTHER_USER, channel=ids(fake)[0]))
    await until(lambda: _equals(net(service, paper), 2), what="a second user's vote")

    await fake.dispatch("MESSAGE_REACTION_REMOVE", reaction_event(replies[1], "👍", channel=ids(fake)[0]))
    await until(lambda: _equals(net(service, paper), 1), what="the first vote removed")

    await fake.dispatch("MESSAGE_REACTION_ADD", reaction_event(replies[1], "👎", channel=ids(fake)[0]))
    await until(lambda: _equals(net(service, paper), 0), what="the first user's down vote (+1 -1)")


async def test_numbered_reaction_on_the_parent(posted: Thread, fake: FakeDiscord, service: Service) -> None:
    parent, _ = ids(fake)
    third = posted.parent.papers[2]
    await fake.dispatch("MESSAGE_REACTION_ADD", reaction_event(parent, "3️⃣"))
    await until(lambda: net(service, third), what="3️⃣ counted for the third paper")
    assert await net(service, posted.parent.papers[0]) == 0


async def test_bot_reactions_and_other_emoji_are_ignored(posted: Thread, fake: FakeDiscord,
                                                         service: Service) -> None:
    parent, replies = ids(fake)
    # The bot seeded 1️⃣-3️⃣ and 👍/👎 itself: Discord echoes those back as reaction events.
    await fake.dispatch("MESSAGE_REACTION_ADD", reaction_event(parent, "1️⃣", user=BOT_ID))
    await fake.dispatch("MESSAGE_REACTION_ADD", reaction_event(replies[0], "👍", user=BOT_ID, channel=parent))
    await fake.dispatch("MESSAGE_REACTION_ADD", reaction_event(replies[0], "🎉", channel=parent))
    # A real vote after them: once it is stored, the earlier events have been handled too.
    await fake.dispatch("MESSAGE_REACTION_ADD", reaction_event(replies[2], "🔥", channel=parent))
    await until(lambda: net(service, posted.replies[2].papers[0]), what="the 🔥 vote (an up emoji)")
    assert await net(service, posted.parent.papers[0]) == 0
    assert await net(service, posted.replies[0].papers[0]) == 0


async def test_clear_all_and_clear_emoji_remove_everyones_votes(posted: Thread, fake: FakeDiscord,
                                                               service: Service) -> None:
    parent, replies = ids(fake)
    first, second = posted.replies[0].papers[0], posted.replies[1].papers[0]
    for user in ("1001", "1002"):
        await fake.dispatch("MESSAGE_REACTION_ADD", reaction_event(replies[0], "👍", user=user, channel=parent))
    await fake.dispatch("MESSAGE_REACTION_ADD", reaction_event(replies[1], "👍", user="1003", channel=parent))
    await fake.dispatch("MESSAGE_REACTION_ADD", reaction_event(replies[1], "👎", user="1004", channel=parent))
    await until(lambda: _all(_equals(net(service, first), 2), _equals(net(service, second), 0)), what="4 votes")

    # MESSAGE_REACTION_REMOVE_ALL (documented fields: channel_id, message_id, guild_id).
    await fake.dispatch("MESSAGE_REACTION_REMOVE_ALL",
                        {"channel_id": parent, "message_id": replies[0], "guild_id": GUILD_ID})
    await until(lambda: _equals(net(service, first), 0), what="both votes on the first paper removed")

    # MESSAGE_REACTION_REMOVE_EMOJI (channel_id, guild_id, message_id, emoji): only 👎 goes.
    await fake.dispatch("MESSAGE_REACTION_REMOVE_EMOJI", {"channel_id": parent, "guild_id": GUILD_ID,
                                                          "message_id": replies[1], "emoji": {"id": None, "name": "👎"}})
    await until(lambda: _equals(net(service, second), 1), what="the 👎 vote removed, the 👍 kept")


async def test_votes_on_messages_posted_before_a_restart(posted: Thread, adapter: DiscordAdapter, fake: FakeDiscord,
                                                         service: Service, config: Config) -> None:
    # The bot restarts: a new client (empty message cache) gets a reaction on a message posted before.
    parent, _ = ids(fake)
    await adapter.stop()
    fresh = DiscordAdapter(config.discord, service, guild_ready_timeout=0.05)
    await fresh.start()
    try:
        assert fresh.client.get_channel(int(CHANNEL_ID)) is not None and not fresh.client.cached_messages
        await fake.dispatch("MESSAGE_REACTION_ADD", reaction_event(parent, "2️⃣"))
        await until(lambda: net(service, posted.parent.papers[1]), what="2️⃣ counted after a restart")
    finally:
        await fresh.stop()


async def _equals(value: object, expected: int) -> bool:
    return await value == expected  # type: ignore[misc]


async def _all(*checks: object) -> bool:
    return all([await c for c in checks])  # type: ignore[misc]
