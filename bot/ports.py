"""Protocols the core and handlers depend on; adapters in bot.llm, bot.sources, bot.platforms implement them."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol, runtime_checkable

from bot.config import TeamConfig
from bot.core.message import Message
from bot.core.models import Criteria, Listing, Paper, Score
from bot.core.sections import Passage
from bot.core.votes import VoteEmoji


class UpstreamError(Exception):
    """An outside service failed (after retries). `service` names it for the user."""

    def __init__(self, service: str, detail: str = "", *, retry_after: float | None = None) -> None:
        super().__init__(f"{service}: {detail}" if detail else service)
        self.service = service
        self.detail = detail
        self.retry_after = retry_after


class NotConfigured(Exception):
    """A feature needs something the config does not provide (e.g. no LLM key)."""


@dataclass(frozen=True, slots=True)
class PostMark:
    """Which post a message is (a row of the posts table), written into it so it can be found on the platform.

    A process killed between "the platform accepted it" and "the store recorded it" leaves a message the
    store does not know; the next run finds it by this mark (Chat.find) instead of posting it again.
    """

    team: str
    kind: str
    period: str
    key: str

    @property
    def ref(self) -> str:
        """Human-readable identity: team/kind/period/key."""
        return f"{self.team}/{self.kind}/{self.period}/{self.key}"

    def nonce(self, channel: str, part: int) -> str:
        """A deterministic idempotency token (≤ 25 chars) for part `part` of this post in `channel`."""
        return hashlib.sha256(f"{channel}|{self.ref}|{part}".encode()).hexdigest()[:25]


@runtime_checkable
class Chat(Protocol):
    """A place to post: Slack, Discord, or the console.

    `mark` is written into every message of a post; `have` lists the ids of its first parts that are
    already out (found by `find` after a crash): only the rest is sent, and all ids are returned.
    """

    platform: str

    async def post(self, channel: str, message: Message, *, mark: PostMark | None = None,
                   have: Sequence[str] = ()) -> list[str]:
        """Post to a channel; return the platform ids of the message(s) it took, in order."""
        ...

    async def reply(self, channel: str, parent_id: str, message: Message, *, thread_name: str = "",
                    mark: PostMark | None = None, have: Sequence[str] = ()) -> list[str]:
        """Post in the thread of `parent_id` (creating the thread where the platform needs it)."""
        ...

    async def find(self, channel: str, mark: PostMark, *, parent_id: str | None = None,
                   since: datetime | None = None) -> list[str]:
        """Ids of the parts of a marked post already on the platform (posted since `since`), in order; [] if none."""
        ...


@runtime_checkable
class Platform(Protocol):
    """One chat platform, registered by name (opsdroid's Connector): Slack, Discord, the console, any other.

    Handlers see only this: where a team's posts go on it and which reactions vote there. The
    composition root (bot.app) builds each configured one from bot.platforms.registry and starts it.
    """

    name: str  # "slack", "discord", "console": keys the posts, votes and `[teams.channels]` of config.toml
    chat: Chat
    vote_emoji: VoteEmoji

    def channels(self, team: TeamConfig) -> tuple[str, ...]:
        """The channel ids the team's digests and weekly threads are posted to on this platform."""
        ...

    async def start(self) -> None:
        """Connect (and listen for commands and reactions where the platform does); raise if it cannot."""
        ...

    async def stop(self) -> None:
        """Disconnect; safe to call twice or without start()."""
        ...

    def connected(self) -> bool | Awaitable[bool]:
        """Whether it is connected now (a /healthz check)."""
        ...


class PaperSource(Protocol):
    """arXiv: daily listings and look-ups by id."""

    async def listing(self, categories: Sequence[str], announce_types: Sequence[str]) -> Listing:
        """Today's announcement for the categories (empty Listing on days without one)."""
        ...

    async def fetch(self, arxiv_ids: Sequence[str]) -> list[Paper]:
        """Full metadata for ids; unknown ids are simply absent from the result."""
        ...

    async def full_text(self, arxiv_id: str) -> str | None:
        """The paper's text from its arXiv HTML page, or None when there is none."""
        ...

    async def search(self, query: str, *, start: int = 0, max_results: int = 10) -> tuple[list[Paper], int]:
        """One page of papers matching an arXiv API `search_query`, most relevant first, and the total count."""
        ...


class ListingArchive(Protocol):
    """Past announcement days (arXiv's OAI-PMH): the first start's backfill reads them."""

    async def announced(self, day: date, categories: Sequence[str], announce_types: Sequence[str]) -> Listing:
        """What was announced on `day` for the categories (an empty Listing on a day without an announcement)."""
        ...


@dataclass(frozen=True, slots=True)
class Completion:
    """One LLM answer with what it cost."""

    text: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int = 0
    finish_reason: str = "stop"
    prompt_chars: int = 0
    completion_chars: int = 0


class LLM(Protocol):
    """An OpenAI-compatible chat model."""

    model: str

    async def complete(
        self,
        *,
        system: str,
        user: str,
        json_schema: dict[str, Any] | None = None,
        max_tokens: int | None = None,
        purpose: str = "",
    ) -> Completion:
        """One chat completion; raises UpstreamError when the server fails after retries."""
        ...

    def cost(self, completion: Completion) -> float:
        """Price of a completion in USD from the configured per-million prices."""
        ...


class Clock(Protocol):
    """Time, injected so tests and replays control it."""

    def now(self) -> datetime:
        """The current aware datetime."""
        ...

    def today(self) -> date:
        """Today's date in the bot's timezone."""
        ...


@dataclass(frozen=True, slots=True)
class CallRecord:
    """What one LLM call cost, for the llm_calls table and the digest's token table."""

    purpose: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int = 0
    cost_usd: float = 0.0
    ok: bool = True
    error: str = ""
    prompt_chars: int = 0
    completion_chars: int = 0


@dataclass(frozen=True, slots=True)
class ScoringResult:
    """Scores for the papers the scorer could judge, ids it could not, and the calls it made."""

    scores: tuple[Score, ...]
    unscored: tuple[str, ...]
    calls: tuple[CallRecord, ...] = ()


class PaperScorer(Protocol):
    """Scores papers against a team's criteria: the LLM scorer (bot.llm) implements it."""

    name: str  # "llm:<model>"
    prompt_version: str

    async def score(self, papers: Sequence[Paper], criteria: Criteria, *, team: str = "") -> ScoringResult:
        """Relevance/novelty (1-10) and a one-line comment per paper; never drops a paper silently."""
        ...


class Explainer(Protocol):
    """Explains one paper for a team (bot.llm.explain implements it)."""

    model: str
    prompt_version: str

    async def explain(self, paper: Paper, criteria: Criteria, *, question: str = "",
                      full_text: str | None = None) -> tuple[str, CallRecord]:
        """Markdown-free plain text answer (TL;DR, key idea, why it matters here, limitations) and its cost."""
        ...


@dataclass(frozen=True, slots=True)
class PaperAnswer:
    """An answer to a question about a paper, the sections it drew on, and what it cost."""

    text: str
    sections: tuple[str, ...]
    call: CallRecord


class Asker(Protocol):
    """Answers a question about one paper from passages of its text (bot.llm.ask implements it)."""

    model: str
    prompt_version: str

    async def answer(self, paper: Paper, question: str, *, passages: Sequence[Passage],
                     earlier: Sequence[tuple[str, str]] = ()) -> PaperAnswer:
        """A plain-text answer grounded in `passages`, with the thread's earlier (question, answer) pairs as context."""
        ...


class WeeklyWriter(Protocol):
    """Synthesises the weekly breakthroughs report from the week's picks (bot.llm.weekly implements it)."""

    model: str
    prompt_version: str

    async def synthesize(self, week: Any, criteria: Criteria, *, team: str) -> tuple[dict[str, Any], list[CallRecord]]:
        """The report as a dict following the weekly JSON schema, and the calls it took."""
        ...
