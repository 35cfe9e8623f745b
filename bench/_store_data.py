"""A year of one team's store, built from the real bench data plus synthetic variants of it.

Real papers keep their ids, text and listing days; synthetic ones get ids in a reserved range
(9YMM.NNNNN, never a real arXiv id) and titles/abstracts/authors recombined from real ones, so FTS
sees real vocabulary and real document lengths. Every listing day gets ~papers/365 entries and a
digest of ~37 picks whose scores are the scored file's real verdicts (cycled where a day has none).
"""

from __future__ import annotations

import gzip
import itertools
import json
import random
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from bot.core.models import ListingEntry, Paper, Score

_RSS_PREFIX = re.compile(r"^arXiv:\S+\s+Announce Type:\s*\S+\s+Abstract:\s*")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(])")
# Non-pick verdicts: most papers of a cs.LG+cs.AI day are far from a team's criteria.
_REL_WEIGHTS = {1: 6, 2: 14, 3: 30, 4: 22, 5: 14, 6: 9, 7: 5}
_NOV_WEIGHTS = {2: 8, 3: 20, 4: 26, 5: 24, 6: 15, 7: 7}


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def _read_jsonl(path: str | Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@dataclass(frozen=True, slots=True)
class Verdict:
    """A recorded pick verdict from the scored file."""

    relevance: float | None
    novelty: float | None
    comment: str


@dataclass
class RealData:
    """The real papers by id, their listing days, and the real picks per digest day."""

    papers: dict[str, Paper]
    listed_on: dict[str, list[str]]  # day -> ids, in file order
    picks_on: dict[str, list[tuple[str, Verdict]]]  # day -> (id, verdict), in file order
    verdicts: list[Verdict]  # every scored verdict, for cycling

    @classmethod
    def load(cls, listings: str | Path, scored: str | Path) -> RealData:
        """Read both gzipped JSONL files of /work/shared/bench."""
        papers: dict[str, Paper] = {}
        listed_on: dict[str, list[str]] = defaultdict(list)
        for r in _read_jsonl(listings):
            papers[r["arxiv_id"]] = Paper(r["arxiv_id"], _clean(r["title"]), _clean(r.get("abstract")),
                                          tuple(r.get("authors") or ()), tuple(r.get("categories") or ()),
                                          arxiv_comment=_clean(r.get("comment")))
            for d in r.get("listing_dates") or ():
                listed_on[d].append(r["arxiv_id"])
        picks_on: dict[str, list[tuple[str, Verdict]]] = defaultdict(list)
        verdicts: list[Verdict] = []
        for r in _read_jsonl(scored):
            pid = r["arxiv_id"]
            # The scored file has no categories; its papers came from a cs.LG+cs.AI feed.
            papers.setdefault(pid, Paper(pid, _clean(r["title"]), _RSS_PREFIX.sub("", _clean(r.get("abstract"))),
                                         tuple(r.get("authors") or ()), ("cs.LG",)))
            v = Verdict(r.get("relevance"), r.get("novelty"), _clean(r.get("comment")) or "Author match")
            verdicts.append(v)
            if all(pid != p for p, _ in picks_on[r["digest_date"]]):
                picks_on[r["digest_date"]].append((pid, v))
        return cls(papers, dict(listed_on), dict(picks_on), verdicts)

    def busiest_day(self) -> date:
        """The real day with the most papers (listing + picks): the bench's daily-run day."""
        days = set(self.listed_on) | set(self.picks_on)
        return date.fromisoformat(max(sorted(days), key=lambda d: len(self.day_ids(d))))

    def day_ids(self, day: str) -> list[str]:
        """Unique ids of a real day: its listing, then its picks that were not in the listing."""
        ids = list(dict.fromkeys(self.listed_on.get(day, [])))
        seen = set(ids)
        return ids + [p for p, _ in self.picks_on.get(day, []) if p not in seen]


class Synth:
    """Makes synthetic papers out of real sentences, titles, author names, categories and comments."""

    def __init__(self, papers: list[Paper], *, seed: int) -> None:
        self.rng = random.Random(seed)
        self.sentences = [s for p in papers for s in _SENTENCE.split(p.abstract) if len(s) > 20]
        self.sentence_counts = [max(2, len(_SENTENCE.split(p.abstract))) for p in papers]
        self.titles = [p.title.split() for p in papers if len(p.title.split()) >= 4]
        self.names = [a for p in papers for a in p.authors]
        self.author_counts = [max(1, min(len(p.authors), 40)) for p in papers]
        self.categories = [p.categories for p in papers if p.categories]
        self.comments = [p.arxiv_comment for p in papers]

    def paper(self, arxiv_id: str, day: date) -> Paper:
        """One synthetic paper: a spliced real title, real sentences, real names and categories."""
        r = self.rng
        a, b = r.choice(self.titles), r.choice(self.titles)
        title = " ".join(a[: r.randint(2, len(a) - 1)] + b[r.randint(1, len(b) - 2):])
        abstract = " ".join(r.choices(self.sentences, k=r.choice(self.sentence_counts)))
        authors = tuple(dict.fromkeys(r.choices(self.names, k=r.choice(self.author_counts))))
        return Paper(arxiv_id, title, abstract, authors, r.choice(self.categories), published=day.isoformat(),
                     arxiv_comment=r.choice(self.comments))


@dataclass
class Day:
    """What one listing day adds to the store."""

    day: date
    entries: list[ListingEntry]
    scores: list[Score]  # the day's new verdicts (papers seen on an earlier day keep their score)
    picks: list[Score]  # the digest, best first
    real: int  # real papers among the entries


@dataclass
class YearPlan:
    """365 listing days ending at `end`, without `held_out` (the day the daily run fetches)."""

    data: RealData
    papers: int
    end: date
    held_out: date
    scorer: str
    picks_per_day: int = 37
    seed: int = 2025
    days: list[date] = field(init=False)

    def __post_init__(self) -> None:
        span = [self.end - timedelta(days=i) for i in range(366)]
        self.days = sorted(d for d in span if d != self.held_out)[-365:]
        self._ids = {d.isoformat(): self.data.day_ids(d.isoformat()) for d in self.days}
        real = {i for ids in self._ids.values() for i in ids}
        self.real_papers = len(real)
        self.fill = _fill_counts([len(v) for v in self._ids.values()], max(0, self.papers - len(real)))

    def __iter__(self) -> Iterator[Day]:
        synth = Synth(list(self.data.papers.values()), seed=self.seed)
        rng = random.Random(self.seed + 1)
        cycle = itertools.cycle([v for v in self.data.verdicts if v.relevance is not None])
        scored: set[str] = set()
        serial: dict[str, int] = defaultdict(int)
        for d, n_fill in zip(self.days, self.fill, strict=True):
            ids = self._ids[d.isoformat()]
            entries = [ListingEntry(self.data.papers[i], "new") for i in ids]
            prefix = f"9{d.year % 10}{d.month:02d}"
            for _ in range(n_fill):
                serial[prefix] += 1
                entries.append(ListingEntry(synth.paper(f"{prefix}.{serial[prefix]:05d}", d), "new"))
            rng.shuffle(entries)
            verdicts = dict(self.data.picks_on.get(d.isoformat(), []))
            for e in entries:  # top the real picks up to ~picks_per_day with recycled real verdicts
                if len(verdicts) >= self.picks_per_day:
                    break
                if e.paper.arxiv_id not in verdicts and e.paper.arxiv_id not in scored:
                    verdicts[e.paper.arxiv_id] = next(cycle)
            picks = [self._score(i, v) for i, v in verdicts.items()]
            picks.sort(key=lambda s: -s.total)
            fresh = []
            for e in entries:
                pid = e.paper.arxiv_id
                if pid in scored:
                    continue
                scored.add(pid)
                fresh.append(next((s for s in picks if s.arxiv_id == pid), None) or self._other(pid, rng))
            yield Day(d, entries, fresh, picks, real=len(ids))

    def _score(self, pid: str, v: Verdict) -> Score:
        return Score(pid, v.relevance, v.novelty, v.comment, self.scorer, author_match=v.relevance is None)

    def _other(self, pid: str, rng: random.Random) -> Score:
        rel = rng.choices(list(_REL_WEIGHTS), weights=list(_REL_WEIGHTS.values()))[0]
        nov = rng.choices(list(_NOV_WEIGHTS), weights=list(_NOV_WEIGHTS.values()))[0]
        why = rng.choice(("Applies known methods to a new task", "Application-driven, no architectural insight",
                          "Outside the team's topics", "Incremental benchmark study",
                          "Related to efficiency but only as an application"))
        return Score(pid, float(rel), float(nov), f"{why}.", self.scorer)


def _fill_counts(real_per_day: list[int], synthetic: int) -> list[int]:
    """Synthetic papers per day so that every day ends up with about the same number of entries."""
    if not real_per_day:
        return []
    lo, hi = 0, max(real_per_day) + synthetic
    while lo < hi:  # the smallest per-day level whose fill-up covers `synthetic`
        mid = (lo + hi) // 2
        if sum(max(0, mid - r) for r in real_per_day) >= synthetic:
            hi = mid
        else:
            lo = mid + 1
    fill = [max(0, lo - 1 - r) for r in real_per_day]
    short = synthetic - sum(fill)
    for i in range(len(fill)):  # hand out the remainder one per day that is still below the level
        if short <= 0:
            break
        if real_per_day[i] + fill[i] < lo:
            fill[i] += 1
            short -= 1
    return fill
