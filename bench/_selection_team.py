"""One team on one store, run day after day through `paperbot daily --date D --dry-run --format json`.

The bench stores each replayed day's candidates as that day's listing (as the RSS fetch would), points the
team's LLM at the oracle (or at nothing: the no-key local ranker), runs the real CLI in this process and
keeps its JSON. Votes, when simulated, go in through the storage call `/papers upvote` makes (`set_vote`).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from _selection_data import Data, Day
from oracle import Oracle

from bot.__main__ import main as paperbot
from bot.core.models import Criteria, ListingEntry
from storage import papers as paper_store
from storage import votes as vote_store
from storage.db import open_db

TEAM = "bench"


def replay_days(data: Data, first: str, last: str) -> list[str]:
    """Digest days in [first, last] that have listing papers besides the picks (a real day's background)."""
    out = []
    for d in sorted({r["digest_date"] for r in data.scored if first <= r["digest_date"] <= last}):
        day = data.day(d)
        if len(day.papers) > len(day.picks):
            out.append(d)
    return out


def team_toml(criteria: Criteria) -> str:
    """The team's config section: the bench criteria, no watched authors, nowhere to post."""
    q = json.dumps  # a JSON string is a valid TOML basic string
    return "\n".join([
        "[[teams]]", f"name = {q(TEAM)}", f"digest_size = {criteria.digest_size}", "console = true",
        "[teams.criteria]", f"topics = {q(criteria.topics)}",
        f"keywords = [{', '.join(q(k) for k in criteria.keywords)}]", "authors = []",
        f"categories = [{', '.join(q(c) for c in criteria.categories)}]",
        f"relevance_cutoff = {criteria.relevance_cutoff}", f"novelty_cutoff = {criteria.novelty_cutoff}", ""])


@dataclass
class DayRun:
    """What one `paperbot daily` run of a replayed day gave, next to the recorded picks."""

    day: str
    candidates: int
    targets: set[str]
    out: dict[str, Any]

    @property
    def tokens(self) -> int:
        """Prompt + completion tokens the oracle counted (characters / 4)."""
        return self.out["llm"]["prompt_tokens"] + self.out["llm"]["completion_tokens"]

    @property
    def found(self) -> int:
        """Targets in the final digest."""
        return len(self.targets & {p["arxiv_id"] for p in self.out["papers"]})

    @property
    def sent(self) -> int:
        """Candidates the LLM read."""
        return sum(1 for c in self.out["candidates"] if c["decision"] not in ("prefiltered", "excluded", "author match"))

    def hits_at(self, k: int) -> int:
        """Targets among the top k by local score (the ranker before the LLM read anything)."""
        order = sorted(self.out["candidates"], key=lambda c: -c["local_score"])
        return len(self.targets & {c["arxiv_id"] for c in order[:k]})


@dataclass
class Team:
    """A fresh store and config for one scenario; `run(day)` replays a day through the CLI."""

    data: Data
    criteria: Criteria
    llm_url: str | None  # the oracle's /v1 URL; None: no key, the local ranker scores everything
    oracle: Oracle | None = None
    votes: float = 0.0  # share of shown papers members vote on (0: no simulated votes)
    seed: int = 0
    dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="paperbot-bench-")))
    log: io.StringIO = field(default_factory=io.StringIO)

    def __post_init__(self) -> None:
        root = Path(__file__).resolve().parents[1]
        base = (root / "config.toml").read_text().split("\n[[teams]]\n")[0] + "\n"
        base = base.replace('path = "data/paperbot.db"', f'path = "{self.dir / "bot.db"}"', 1)
        base = base.replace('model = "gpt-5-mini"', 'model = "oracle"', 1)
        if self.llm_url:
            base = base.replace('base_url = ""', f'base_url = "{self.llm_url}"', 1)
        base = base.replace("backfill_days = 7", "backfill_days = 0", 1)
        # Every replayed day is stored before its run: arXiv itself must never be asked (no internet here).
        for url in ("https://rss.arxiv.org/rss/{categories}", "https://export.arxiv.org/api/query",
                    "https://oaipmh.arxiv.org/oai", "https://arxiv.org/html/{id}"):
            base = base.replace(f'"{url}"', '"http://127.0.0.1:9/closed"', 1)
        self.config = self.dir / "config.toml"
        self.config.write_text(base + team_toml(self.criteria))
        self.rng = random.Random(self.seed)

    def run(self, d: str) -> DayRun:
        """Store day d's candidates as its listing, run `paperbot daily` on it, then simulate votes."""
        day = self.data.day(d)
        db = open_db(self.dir / "bot.db")
        paper_store.save_listing(db, date.fromisoformat(d), [ListingEntry(p, "new") for p in day.papers])
        db.close()
        if self.oracle is not None:
            self.oracle.known = day.known()
        env = {"OPENAI_API_KEY": "bench-not-a-key"} if self.llm_url else {}
        out = io.StringIO()
        with _environ(env), contextlib.redirect_stdout(out), contextlib.redirect_stderr(self.log):
            code = paperbot(["--config", str(self.config), "daily", "--date", d, "--dry-run", "--format", "json"])
        if code != 0:
            raise RuntimeError(f"paperbot daily --date {d} failed ({code}): {self.log.getvalue()[-2000:]}")
        result = DayRun(d, len(day.papers), day.targets, json.loads(out.getvalue().strip().splitlines()[-1]))
        if self.votes:
            self._vote(day, result)
        return result

    def close(self) -> None:
        """Delete the scenario's store and config."""
        shutil.rmtree(self.dir, ignore_errors=True)

    def _vote(self, day: Day, result: DayRun) -> None:
        """Members vote on some of the posted papers: up on the team's real picks, down on the rest."""
        shown = [p["arxiv_id"] for p in result.out["papers"][: self.criteria.digest_size]]
        db = open_db(self.dir / "bot.db")
        for i, pid in enumerate(shown):
            if self.rng.random() < self.votes:
                vote_store.set_vote(db, team=TEAM, arxiv_id=pid, platform="console", user=f"member{i % 5}",
                                    value=1 if pid in day.targets else -1)
        db.close()


@contextlib.contextmanager
def _environ(values: dict[str, str]):  # type: ignore[no-untyped-def]
    """The process environment with only `values` among the OpenAI variables, restored after."""
    keys = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "PAPERBOT_DB")
    saved = {k: os.environ.pop(k, None) for k in keys}
    os.environ.update(values)
    try:
        yield
    finally:
        for k in keys:
            os.environ.pop(k, None)
            if saved[k] is not None:
                os.environ[k] = saved[k]  # type: ignore[assignment]
