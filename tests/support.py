"""Shared test helpers: a config from the shipped defaults, real Deps on a temp SQLite file, a FakeChat."""

from __future__ import annotations

import itertools
import json
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from bot.config import Config, default_config_text, parse_config
from bot.core.message import Message
from bot.core.models import Digest, Paper, Pick, Score
from bot.platforms.registry import PLATFORMS, ChatPlatform
from bot.ports import PostMark
from handlers.deps import Deps
from storage.db import Store

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def make_config(tmp_path: Path, *, env: dict[str, str] | None = None, **sections: dict[str, Any]) -> Config:
    """The shipped config.toml with sections/keys overridden, storage in tmp_path, no first-start backfill."""
    raw = tomllib.loads(default_config_text())
    raw["storage"]["path"] = str(tmp_path / "paperbot.db")
    raw["startup"]["backfill_days"] = 0  # no first-start backfill (it reads arXiv) unless a test asks for one
    for name, values in sections.items():
        if name == "team":
            raw["teams"][0].update(values)
        elif name == "criteria":
            raw["teams"][0]["criteria"].update(values)
        elif name == "teams":
            raw["teams"] = values
        else:
            raw.setdefault(name, {}).update(values)
    return parse_config(raw, env or {}, source="test")


@dataclass
class FixedClock:
    """A clock that says what the test wants."""

    at: datetime = field(default_factory=lambda: datetime(2026, 1, 28, 9, 0, tzinfo=UTC))

    def now(self) -> datetime:
        """The fixed instant."""
        return self.at

    def today(self) -> date:
        """Its date."""
        return self.at.date()


def make_deps(config: Config, **ports: Any) -> Deps:
    """Real Deps on the config's SQLite file; pass source=, scorer=, llm=, platforms=, clock= as needed.

    `chats={"slack": FakeChat("slack"), …}` is short for post-only platforms of those names around the
    chats, with the vote emoji config.toml gives each.
    """
    clock = ports.pop("clock", FixedClock())
    chats = ports.pop("chats", None)
    if chats is not None:
        ports["platforms"] = {name: ChatPlatform(name, chat, PLATFORMS.vote_emoji(config, name))
                              for name, chat in chats.items()}
    return Deps(config=config, store=Store.open(config.storage.path), clock=clock, **ports)


@dataclass
class FakeChat:
    """An in-memory Chat (a fake of OUR port, allowed by the architecture): records every post."""

    platform: str = "console"
    posts: list[tuple[str, str | None, Message]] = field(default_factory=list)  # (channel, parent, message)
    fail_after: int | None = None  # raise after this many posts (simulates a crash mid-run)
    marks: dict[str, PostMark] = field(default_factory=dict)  # message id -> the mark it was posted with
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    async def post(self, channel: str, message: Message, *, mark: PostMark | None = None,
                   have: Sequence[str] = ()) -> list[str]:
        """Record a channel post."""
        return list(have) or self._record(channel, None, message, mark)

    async def reply(self, channel: str, parent_id: str, message: Message, *, thread_name: str = "",
                    mark: PostMark | None = None, have: Sequence[str] = ()) -> list[str]:
        """Record a thread reply."""
        return list(have) or self._record(channel, parent_id, message, mark)

    async def find(self, channel: str, mark: PostMark, *, parent_id: str | None = None,
                   since: datetime | None = None) -> list[str]:
        """The ids posted with this mark (a chat that keeps its history)."""
        return [mid for mid, m in self.marks.items() if m == mark]

    def _record(self, channel: str, parent: str | None, message: Message, mark: PostMark | None) -> list[str]:
        if self.fail_after is not None and len(self.posts) >= self.fail_after:
            raise ConnectionError("simulated crash")
        self.posts.append((channel, parent, message))
        mid = f"m{next(self._ids)}"
        if mark is not None:
            self.marks[mid] = mark
        return [mid]


def seed_digest(n: int, *, digest_size: int) -> Digest:
    """A digest of the first n real seed papers (tests/fixtures/seed_papers.jsonl) with their gpt-5 scores."""
    rows = [json.loads(x) for x in (FIXTURES / "seed_papers.jsonl").read_text().splitlines()][:n]
    picks = tuple(Pick(Paper(r["arxiv_id"], r["title"], r["abstract"], tuple(r["authors"])),
                       Score(r["arxiv_id"], r["relevance"], r["novelty"], r["comment"], "llm:gpt-5")) for r in rows)
    return Digest("foundations", date(2026, 1, 27), "llm:gpt-5", 708, 398, picks, digest_size=digest_size)
