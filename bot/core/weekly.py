"""The weekly report's domain: ISO-week dates, the week's picked papers, and the report's own fields.

What a model writes about the week is checked in bot/core/weekly_check.py (re-exported here).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property
from typing import Any

from bot.core.models import Pick

# Callers that import validation from here keep working; new code imports bot.core.weekly_check.
from bot.core.weekly_check import Resolver, validate_report

_WEEK = re.compile(r"^\s*(\d{4})-?W(\d{1,2})\s*$", re.IGNORECASE)
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


def parse_week(text: str) -> str:
    """Normalise "2026-W4", "2026w04" or "2026W04" to "2026-W04"; ValueError for anything else."""
    m = _WEEK.match(text or "")
    if not m:
        raise ValueError(f"not an ISO week: {text!r} (expected YYYY-Www, e.g. 2026-W04)")
    year, num = int(m.group(1)), int(m.group(2))
    try:
        date.fromisocalendar(year, num, 1)
    except ValueError:
        raise ValueError(f"{year} has no ISO week {num}") from None
    return f"{year}-W{num:02d}"


def week_of(day: date) -> str:
    """The ISO week ("2026-W04") a day belongs to."""
    year, num, _ = day.isocalendar()
    return f"{year}-W{num:02d}"


def week_bounds(week: str) -> tuple[date, date]:
    """Monday and Sunday of an ISO week."""
    year, num = week.split("-W")
    monday = date.fromisocalendar(int(year), int(num), 1)
    return monday, monday + timedelta(days=6)


def date_range(start: date, end: date) -> str:
    """"Dec 8 – Dec 14, 2025" (both years shown when the week spans two)."""
    def short(d: date) -> str:
        return f"{MONTHS[d.month - 1][:3]} {d.day}"
    if start.year != end.year:
        return f"{short(start)}, {start.year} – {short(end)}, {end.year}"
    return f"{short(start)} – {short(end)}, {end.year}"


def week_title(team: str, week: str) -> str:
    """"Foundations: January 2026 Week 4": the month is the one holding the week's Thursday (ISO's rule)."""
    thursday = week_bounds(week)[0] + timedelta(days=3)
    name = team[:1].upper() + team[1:]
    return f"{name}: {MONTHS[thursday.month - 1]} {thursday.year} Week {int(week.split('-W')[1])}"


@dataclass(frozen=True, slots=True)
class WeekPaper:
    """A paper picked during the week: its pick (score, comment, votes), the day, a full-text excerpt."""

    pick: Pick
    day: date
    evidence: str = ""  # sentences from the cached full text that carry results (empty when none cached)

    @property
    def arxiv_id(self) -> str:
        """The paper's arXiv id."""
        return self.pick.paper.arxiv_id

    @property
    def title(self) -> str:
        """The paper's title."""
        return self.pick.paper.title

    @property
    def votes(self) -> int:
        """The team's net votes."""
        return self.pick.votes


@dataclass(frozen=True)
class Week:
    """One team's picks of one ISO week, the most upvoted first, then author matches, then by score."""

    team: str
    week: str
    start: date
    end: date
    papers: tuple[WeekPaper, ...] = ()

    @cached_property
    def by_id(self) -> dict[str, WeekPaper]:
        """Papers by arXiv id."""
        return {p.arxiv_id: p for p in self.papers}

    @property
    def fingerprint(self) -> str:
        """A short hash of which papers the week holds: a stored report of other papers is stale."""
        return hashlib.sha256(" ".join(sorted(self.by_id)).encode()).hexdigest()[:16]

    def voted(self, min_votes: int = 1) -> list[WeekPaper]:
        """Papers with at least `min_votes` net votes, most votes first."""
        return sorted((p for p in self.papers if p.votes >= min_votes), key=lambda p: -p.votes)


def report_header(week: Week, *, scorer: str) -> dict[str, Any]:
    """The fields of a report that code, not the model, decides: title, dates, counts, inputs."""
    return {
        "version": 1, "team": week.team, "week": week.week, "title": week_title(week.team, week.week),
        "start": week.start.isoformat(), "end": week.end.isoformat(), "date_range": date_range(week.start, week.end),
        "papers_analyzed": len(week.papers), "scorer": scorer, "fingerprint": week.fingerprint,
    }


__all__ = ["MONTHS", "Resolver", "Week", "WeekPaper", "date_range", "parse_week", "report_header",
           "validate_report", "week_bounds", "week_of", "week_title"]
