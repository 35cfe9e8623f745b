"""A third platform, registered by name, gets the team's digest and counts its reactions as votes.

Nothing in handlers/ knows it: the team's channels on it come from `[teams.channels]` in config, its vote
emoji from its own settings, and bot.app builds, starts and stops it through the registry.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.app import open_platforms, run_bot
from bot.config import Config
from bot.core.digest_view import digest_thread
from bot.core.models import ReactionEvent, Request
from bot.core.render_text import render
from bot.core.votes import VoteEmoji
from bot.platforms.registry import PLATFORMS, Connector, PlatformRegistry
from bot.ports import Chat, Platform, UpstreamError
from handlers.publish import publish
from handlers.service import BotService
from storage import digests
from storage import papers as paper_store
from tests.support import FakeChat, make_config, make_deps, seed_digest

LOFT = "loft-1"  # the team's channel on the pigeon platform
PIGEON_EMOJI = VoteEmoji(up=("🕊",), down=("🦅",))


@dataclass
class PigeonSettings:
    """What a [pigeon] config section would hold."""

    enabled: bool = True
    vote_emoji: VoteEmoji = PIGEON_EMOJI


@dataclass
class Pigeon:
    """The carrier-pigeon platform `paperbot run` starts: it records what the bot does with it."""

    service: BotService
    name: str = "pigeon"
    chat: FakeChat = field(default_factory=lambda: FakeChat("pigeon"))
    vote_emoji: VoteEmoji = PIGEON_EMOJI
    events: list[str] = field(default_factory=list)

    def channels(self, team) -> tuple[str, ...]:
        """The team's lofts."""
        return team.channels_on(self.name)

    async def start(self) -> None:
        """Connected."""
        self.events.append("start")

    async def stop(self) -> None:
        """Disconnected."""
        self.events.append("stop")

    def connected(self) -> bool:
        """Up while started (a /healthz check)."""
        return self.events == ["start"]


def pigeon_registry(closed: list[str], running: list[Pigeon]) -> PlatformRegistry:
    """The built-in platforms plus the pigeon, registered by name."""

    def listen(config: Config, service: BotService, routes: object) -> Platform:
        running.append(Pigeon(service))
        return running[-1]

    async def open_chat(config: Config) -> tuple[Chat, object]:
        async def close() -> None:
            closed.append("pigeon")

        return FakeChat("pigeon"), close

    pigeon = Connector("pigeon", lambda c: PigeonSettings(), listen, open_chat)  # type: ignore[arg-type]
    return PlatformRegistry(*PLATFORMS.connectors(), pigeon)


def _config(tmp_path: Path, **sections: dict) -> Config:
    return make_config(tmp_path, team={"console": False, "channels": {"pigeon": [LOFT]}}, **sections)


async def test_the_digest_goes_to_the_team_s_loft_and_pigeon_reactions_vote(tmp_path: Path) -> None:
    config = _config(tmp_path)
    assert config.teams[0].channels == {"pigeon": (LOFT,)}
    deps = make_deps(config)
    digest = seed_digest(4, digest_size=2)
    await deps.store.call(paper_store.upsert_papers, [pk.paper for pk in digest.picks])
    await deps.store.call(digests.save_digest, digest)
    closed: list[str] = []
    try:
        async with open_platforms(config, registry=pigeon_registry(closed, [])) as platforms:
            assert set(platforms) == {"pigeon"}  # neither Slack nor Discord is configured: no console either
            deps.platforms = platforms
            report = await publish(digest_thread(digest), team=config.teams[0], deps=deps)
            chat = platforms["pigeon"].chat
        assert closed == ["pigeon"]  # closed when the run ended
        assert report.targets == 1 and report.posted == 1 + len(digest.picks)
        assert {channel for channel, _, _ in chat.posts} == {LOFT}
        assert [m.papers for _, parent, m in chat.posts if parent] == [(pk.paper.arxiv_id,) for pk in digest.picks]

        service = BotService(deps)
        first, second = digest.picks[0].paper.arxiv_id, digest.picks[1].paper.arxiv_id

        def react(message_id: str, user: str, emoji: str) -> ReactionEvent:
            return ReactionEvent("pigeon", LOFT, message_id, user, emoji, True)

        assert await service.on_reaction(react("m2", "percy", "🕊")) == f"voted {first}"
        assert await service.on_reaction(react("m2", "gus", "🕊")) == f"voted {first}"
        assert await service.on_reaction(react("m3", "gus", "🦅")) == f"voted {second}"
        # Slack's and Discord's emoji mean nothing here: the platform's own set decides.
        assert await service.on_reaction(react("m3", "percy", "+1")) == "ignored: not a voting emoji"
        top = await service.run_command(Request(platform="pigeon", team="", channel=LOFT, user="percy",
                                                text="top all", command="papers"))
        assert f"{digest.picks[0].paper.title[:30]}" in render(top) and "+2 votes" in render(top)
    finally:
        deps.store.close()


async def test_paperbot_run_starts_and_stops_it_and_its_commands_reach_the_team(tmp_path: Path) -> None:
    config = _config(tmp_path, schedule={"daily_time": "23:59", "misfire_grace_s": 1})  # no catch-up run here
    running: list[Pigeon] = []
    stop = asyncio.Event()
    task = asyncio.create_task(run_bot(config, console=False, stop=stop, registry=pigeon_registry([], running)))
    try:
        for _ in range(200):
            if running and running[0].events:
                break
            await asyncio.sleep(0.02)
        (pigeon,) = running
        assert pigeon.events == ["start"]
        assert pigeon.service.team_for_channel("pigeon", LOFT) == "foundations"
        answer = await pigeon.service.run_command(Request(platform="pigeon", team="", channel=LOFT, user="percy",
                                                          text="help", command="papers"))
        assert "/papers today" in render(answer)
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=15)
    assert pigeon.events == ["start", "stop"]


def test_a_platform_name_is_registered_once() -> None:
    registry = PlatformRegistry(*PLATFORMS.connectors())
    slack = registry.connectors()[0]
    with pytest.raises(ValueError, match="'slack' is already registered"):
        registry.register(Connector("slack", lambda c: c.discord, slack.listen, slack.open_chat))
    assert [c.name for c in registry.connectors()] == ["slack", "discord"]
    config = make_config(Path("/nonexistent"))
    assert registry.vote_emoji(config, "slack") == config.slack.vote_emoji  # the first one stays


@dataclass
class Raven(Pigeon):
    """A platform whose token is rejected: it never starts, and opening its chat fails too."""

    name: str = "raven"

    async def start(self) -> None:
        """Refused."""
        self.events.append("start")
        raise UpstreamError("Raven", "RAVEN_TOKEN was rejected (401)")


def two_bird_registry(running: list[Pigeon]) -> PlatformRegistry:
    """The pigeon, and a raven that cannot start or open."""
    registry = pigeon_registry([], running)

    def listen(config: Config, service: BotService, routes: object) -> Platform:
        running.append(Raven(service))
        return running[-1]

    async def open_chat(config: Config) -> tuple[Chat, object]:
        raise UpstreamError("Raven", "RAVEN_TOKEN was rejected (401)")

    registry.register(Connector("raven", lambda c: PigeonSettings(), listen, open_chat))  # type: ignore[arg-type]
    return registry


async def test_a_platform_that_cannot_open_stands_in_and_the_others_are_posted(tmp_path: Path,
                                                                              caplog: pytest.LogCaptureFixture) -> None:
    config = make_config(tmp_path, team={"console": False, "channels": {"pigeon": [LOFT], "raven": ["tower"]}})
    deps = make_deps(config)
    digest = seed_digest(4, digest_size=2)
    await deps.store.call(digests.save_digest, digest)
    try:
        async with open_platforms(config, registry=two_bird_registry([])) as platforms:
            assert list(platforms) == ["pigeon", "raven"] and platforms["raven"].connected() is False
            deps.platforms = platforms
            report = await publish(digest_thread(digest), team=config.teams[0], deps=deps)
            again = await publish(digest_thread(digest), team=config.teams[0], deps=deps)
            pigeon_posts = platforms["pigeon"].chat.posts  # type: ignore[attr-defined]
        assert "Raven: RAVEN_TOKEN was rejected (401); posting to the other platforms only" in caplog.text
        assert report.posted == len(pigeon_posts) == 1 + len(digest.picks) and report.targets == 2
        assert report.failed_platforms == ["raven"]
        assert str(report.failed[0]) == "Raven failed (channel tower): Raven: not connected: RAVEN_TOKEN was rejected (401)"
        assert again.posted == 0 and again.skipped == 1 + len(digest.picks) and again.failed_platforms == ["raven"]
    finally:
        deps.store.close()


async def test_paperbot_run_goes_on_without_a_platform_that_cannot_start(tmp_path: Path,
                                                                          caplog: pytest.LogCaptureFixture) -> None:
    config = make_config(tmp_path, team={"console": False, "channels": {"pigeon": [LOFT], "raven": ["tower"]}},
                         schedule={"daily_time": "23:59", "misfire_grace_s": 1})
    running: list[Pigeon] = []
    stop = asyncio.Event()
    task = asyncio.create_task(run_bot(config, console=False, stop=stop, registry=two_bird_registry(running)))
    try:
        for _ in range(200):
            if len(running) == 2 and running[1].events:
                break
            await asyncio.sleep(0.02)
        pigeon, raven = running
        assert pigeon.events == ["start"] and raven.events == ["start", "stop"]  # what it opened is closed
        platforms = pigeon.service.deps.platforms
        assert platforms["pigeon"] is pigeon and platforms["raven"] is not raven
        assert platforms["raven"].connected() is False and platforms["raven"].channels(config.teams[0]) == ("tower",)
        assert "Raven did not start (RAVEN_TOKEN was rejected (401)); the other platforms run without it" in caplog.text
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=15)
    assert pigeon.events == ["start", "stop"]
