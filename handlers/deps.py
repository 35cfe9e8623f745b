"""What handlers get: config, the store, and the ports the composition root injected."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.config import Config, TeamConfig
from bot.core.models import Request
from bot.core.votes import VoteEmoji
from bot.ports import (
    LLM,
    Asker,
    Chat,
    Clock,
    Explainer,
    ListingArchive,
    NotConfigured,
    PaperScorer,
    PaperSource,
    Platform,
    WeeklyWriter,
)
from bot.shutdown import PostGate
from storage.db import Store


@dataclass
class SystemClock:
    """The real clock, in the configured timezone."""

    tz: str = "UTC"

    def now(self) -> datetime:
        """Aware now."""
        return datetime.now(ZoneInfo(self.tz))

    def today(self) -> date:
        """Today's date in that timezone."""
        return self.now().date()


@dataclass
class Deps:
    """Everything a handler may use; built once by bot.app."""

    config: Config
    store: Store
    clock: Clock
    source: PaperSource | None = None
    scorer: PaperScorer | None = None
    llm: LLM | None = None
    explainer: Explainer | None = None
    weekly_writer: WeeklyWriter | None = None
    asker: Asker | None = None  # questions about a paper in its thread (bot.llm.ask)
    platforms: Mapping[str, Platform] = field(default_factory=dict)  # the running platforms, by name
    archive: ListingArchive | None = None  # past announcement days (OAI-PMH), for the first start
    gate: PostGate = field(default_factory=PostGate)  # closed on shutdown: posting stops between messages

    @property
    def chats(self) -> dict[str, Chat]:
        """The Chat of each running platform, by platform name."""
        return {name: p.chat for name, p in self.platforms.items()}

    def vote_emoji(self, platform: str) -> VoteEmoji:
        """The reactions that vote on a platform (the defaults where it is not running)."""
        p = self.platforms.get(platform)
        return p.vote_emoji if p is not None else VoteEmoji()

    def team_of(self, req: Request) -> TeamConfig:
        """The team a request belongs to (its channel's team, else the first team)."""
        if req.team:
            return self.config.team(req.team)
        return self.config.team_for_channel(req.platform, req.channel) or self.config.teams[0]

    def team_today(self, team: TeamConfig) -> date:
        """Today's date where the team is (its timezone, else the [schedule] one)."""
        return self.clock.now().astimezone(ZoneInfo(self.config.team_timezone(team))).date()

    def need_llm(self) -> LLM:
        """The LLM, or a friendly NotConfigured error."""
        if self.llm is None:
            raise NotConfigured("No LLM is configured: set OPENAI_API_KEY (or [llm] base_url for a local "
                                "OpenAI-compatible server) to use this command.")
        return self.llm

    def need_source(self) -> PaperSource:
        """The arXiv source (always present outside tests)."""
        if self.source is None:
            raise NotConfigured("arXiv access is not configured.")
        return self.source
