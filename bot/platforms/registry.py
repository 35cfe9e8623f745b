"""Platforms registered by name, as opsdroid's connectors are: the composition root builds each from config.

A platform is a `bot.ports.Platform`; a `Connector` says how to build one: `listen` gives the full
platform `paperbot run` starts (commands, reactions, posts), `open` a post-only one for one-shot CLI
runs. Adding a platform is one `PLATFORMS.register(Connector(...))` (and its config section): handlers
never name a platform. Slack and Discord are imported only when configured.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from bot.config import Config, TeamConfig
from bot.core.votes import VoteEmoji
from bot.ports import Chat, Platform

if TYPE_CHECKING:
    from bot.health import Route
    from handlers.service import BotService

Closer = Callable[[], Awaitable[None]]
Routes = Mapping[str, "Route"]  # GET routes a platform's own HTTP server also serves (/healthz, /metrics)


class PlatformSettings(Protocol):
    """What the registry reads from a platform's config section ([slack], [discord], …)."""

    @property
    def enabled(self) -> bool:
        """Whether the platform is configured (its token is set)."""
        ...

    @property
    def vote_emoji(self) -> VoteEmoji:
        """The reactions that vote there."""
        ...


@dataclass
class ChatPlatform:
    """A platform that only posts through its Chat: the console, one-shot CLI runs, tests' fakes."""

    name: str
    chat: Chat
    vote_emoji: VoteEmoji = field(default_factory=VoteEmoji)
    close: Closer | None = None

    def channels(self, team: TeamConfig) -> tuple[str, ...]:
        """The team's channels under this platform's name in config."""
        return team.channels_on(self.name)

    async def start(self) -> None:
        """Nothing to connect: the chat was opened before."""

    async def stop(self) -> None:
        """Close the chat's session (once)."""
        close, self.close = self.close, None
        if close is not None:
            await close()

    def connected(self) -> bool:
        """Posting needs no standing connection."""
        return True


@dataclass(frozen=True, slots=True)
class Connector:
    """How to build one platform from config, registered under its name."""

    name: str
    settings: Callable[[Config], PlatformSettings]
    listen: Callable[[Config, BotService, Routes], Platform]  # not started: the caller start()s and stop()s it
    open_chat: Callable[[Config], Awaitable[tuple[Chat, Closer]]]  # a post-only chat and what closes it

    async def open(self, config: Config) -> Platform:
        """The post-only platform, ready to post (its stop() closes it)."""
        chat, close = await self.open_chat(config)
        return ChatPlatform(self.name, chat, self.settings(config).vote_emoji, close=close)


class PlatformRegistry:
    """Connectors by name; registering a name twice is an error, never a silent replacement."""

    def __init__(self, *connectors: Connector) -> None:
        self._by_name: dict[str, Connector] = {}
        for c in connectors:
            self.register(c)

    def register(self, connector: Connector) -> Connector:
        """Add a platform; raises ValueError when its name is taken."""
        if connector.name in self._by_name:
            raise ValueError(f"a platform called {connector.name!r} is already registered")
        self._by_name[connector.name] = connector
        return connector

    def connectors(self) -> list[Connector]:
        """Every registered connector, in registration order."""
        return list(self._by_name.values())

    def enabled(self, config: Config) -> list[Connector]:
        """The connectors whose platform is configured."""
        return [c for c in self._by_name.values() if c.settings(config).enabled]

    def vote_emoji(self, config: Config, name: str) -> VoteEmoji:
        """The configured vote emoji of the platform called `name` (the defaults for an unknown one)."""
        c = self._by_name.get(name)
        return c.settings(config).vote_emoji if c else VoteEmoji()


def _slack(config: Config, service: BotService, routes: Routes) -> Platform:
    from bot.platforms.slack.adapter import SlackAdapter

    return SlackAdapter(config.slack, service, routes=routes)  # HTTP mode serves the routes too


async def _slack_chat(config: Config) -> tuple[Chat, Closer]:
    from bot.platforms.slack.chat import open_slack_chat

    return await open_slack_chat(config.slack)


def _discord(config: Config, service: BotService, routes: Routes) -> Platform:
    from bot.platforms.discord.adapter import DiscordAdapter

    return DiscordAdapter(config.discord, service)


async def _discord_chat(config: Config) -> tuple[Chat, Closer]:
    from bot.platforms.discord.chat import open_discord_chat

    return await open_discord_chat(config.discord)


PLATFORMS = PlatformRegistry(
    Connector("slack", lambda c: c.slack, _slack, _slack_chat),
    Connector("discord", lambda c: c.discord, _discord, _discord_chat),
)
