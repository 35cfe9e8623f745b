"""Replay data for the selection benchmark: candidates per day, the team's history, the criteria.

Candidates of day D are the papers picked on D plus the listing papers of D carrying cs.LG or cs.AI,
all normalised the same way (whitespace, RSS prefix) and given the same categories and no arXiv
comment: fields that differ between the two files would tell picks from the rest (README leak warning).
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from oracle import Known

from bot.core.models import Criteria, Paper, Score

REPLAY_CATEGORIES = ("cs.LG",)  # every candidate gets the same categories: see the README's leak warning
WANTED = {"cs.LG", "cs.AI"}
_RSS_PREFIX = re.compile(r"^\s*arXiv:\S+\s+Announce Type:\s*\S+\s+Abstract:\s*", re.I)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Rows of a .jsonl or .jsonl.gz file."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:  # type: ignore[operator]
        return [json.loads(line) for line in f if line.strip()]


def to_paper(row: dict[str, Any]) -> Paper:
    """A bench row as a Paper, normalised the same way whichever file it comes from."""
    clean = lambda s: re.sub(r"\s+", " ", s or "").strip()  # noqa: E731
    return Paper(arxiv_id=row["arxiv_id"], title=clean(row["title"]), abstract=clean(_RSS_PREFIX.sub("", row["abstract"] or "")),
                 authors=tuple(row.get("authors") or ()), categories=REPLAY_CATEGORIES)


def recorded_score(row: dict[str, Any]) -> Score:
    """The real picker's verdict on a pick (author matches have no numbers)."""
    if row.get("relevance") is None:
        return Score(row["arxiv_id"], None, None, comment="Author match", scorer="llm:oracle", author_match=True)
    return Score(row["arxiv_id"], float(row["relevance"]), float(row["novelty"]), comment=row.get("comment") or "",
                 scorer="llm:oracle")


def is_target(row: dict[str, Any]) -> bool:
    """A pick the recall counts: relevance >= 8 and novelty >= 7."""
    return row.get("relevance") is not None and row["relevance"] >= 8 and row["novelty"] >= 7


def bench_criteria(criteria_dir: Path) -> Criteria:
    """The anchor's topics as a team's criteria; its "Keywords: Relevant:" line becomes the keywords."""
    text = (criteria_dir / "prompts" / "paper_topics.txt").read_text(encoding="utf-8")
    m = re.search(r"^\s*-\s*Relevant:(.*)$", text.split("**Keywords:**", 1)[-1], re.M)
    keywords = tuple(k.strip(" .") for k in (m.group(1).split(",") if m else []) if k.strip(" .") not in ("", "etc"))
    topics = text.replace(m.group(0).strip(), "").strip() if m else text.strip()
    cfg = (criteria_dir / "configs" / "config.ini").read_text(encoding="utf-8")
    cut = lambda key, default: int(re.search(rf"^{key}\s*=\s*(\d+)", cfg, re.M).group(1)) if re.search(rf"^{key}\s*=", cfg, re.M) else default  # noqa: E731
    return Criteria(topics=topics, keywords=keywords, categories=("cs.LG", "cs.AI"),
                    relevance_cutoff=cut("relevance_cutoff", 8), novelty_cutoff=cut("novelty_cutoff", 7))


@dataclass
class Day:
    """One replayed day: its candidates and the picker's recorded picks."""

    day: str
    papers: list[Paper]
    picks: dict[str, dict[str, Any]]
    verdicts: dict[str, dict[str, Any]] = field(default_factory=dict)  # a pick of ANY day, by id

    @property
    def targets(self) -> set[str]:
        """Ids of the picks the recall counts."""
        return {i for i, r in self.picks.items() if is_target(r)}

    def known(self) -> dict[str, Known]:
        """What the oracle knows today."""
        out = {p.arxiv_id: Known(p.title, p.abstract) for p in self.papers}
        # A model judges a paper the same on every day it is listed: a paper picked on another day gets
        # that day's recorded verdict here too (paperbot caches one verdict per paper and criteria).
        for i, r in [*((i, r) for i, r in self.verdicts.items() if i in out), *self.picks.items()]:
            if r.get("relevance") is not None:
                out[i] = Known(out[i].title, out[i].abstract, int(r["relevance"]), int(r["novelty"]), r.get("comment") or "")
        return out


class Data:
    """Both files, indexed by day."""

    def __init__(self, scored: list[dict[str, Any]], listings: list[dict[str, Any]]) -> None:
        self.scored = scored
        self.listings = [r for r in listings if WANTED & set(r.get("categories") or ())]
        self.scored_ids = {r["arxiv_id"] for r in scored}
        self.first_listing_day = min(min(r["listing_dates"]) for r in self.listings) if self.listings else "9999"
        self.verdicts = {r["arxiv_id"]: r for r in sorted(scored, key=lambda r: r["digest_date"])
                         if r.get("relevance") is not None}

    def day(self, d: str) -> Day:
        """Candidates of day d: its picks, then its cs.LG/cs.AI listing papers."""
        picks = {r["arxiv_id"]: r for r in self.scored if r["digest_date"] == d}
        papers = {i: to_paper(r) for i, r in picks.items()}
        for r in self.listings:
            if d in r["listing_dates"] and r["arxiv_id"] not in papers:
                papers[r["arxiv_id"]] = to_paper(r)
        return Day(d, list(papers.values()), picks, self.verdicts)

    def history(self, *, until: str, skip: Iterable[str] = ()) -> tuple[list[tuple[Paper, Score]], list[str]]:
        """The team's past scores on days in [first listing day, until], minus `skip` days.

        Positives are the picks of those days with their recorded scores; negatives the listing
        papers of those days nobody picked (the oracle would have said 3/3). Days before the
        listing crawl are left out: a real team's history has both kinds of days from day one.
        """
        skip = set(skip)
        ok = lambda d: self.first_listing_day <= d <= until and d not in skip  # noqa: E731
        rows = [(to_paper(r), recorded_score(r)) for r in self.scored if ok(r["digest_date"])]
        seen = {p.arxiv_id for p, _ in rows}
        days = {r["digest_date"] for r in self.scored if ok(r["digest_date"])}
        for r in self.listings:
            first = min(r["listing_dates"])
            if ok(first) and r["arxiv_id"] not in self.scored_ids and r["arxiv_id"] not in seen:
                seen.add(r["arxiv_id"])
                rows.append((to_paper(r), Score(r["arxiv_id"], 3.0, 3.0, scorer="llm:oracle")))
                days.add(first)
        return rows, sorted(days)


