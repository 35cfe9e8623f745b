"""What an export holds, read from the store: a team's picks with their papers, votes, criteria history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlite_utils import Database

from bot.core.export import PickEntry
from bot.core.models import Paper
from storage import criteria as criteria_store
from storage.digests import picks_between, row_to_pick
from storage.papers import get_papers


@dataclass
class ExportData:
    """Everything `paperbot export` writes, for one or more teams."""

    picks: list[PickEntry] = field(default_factory=list)
    papers: list[Paper] = field(default_factory=list)  # every paper picked or voted on, by first appearance
    votes: list[dict[str, Any]] = field(default_factory=list)
    criteria_history: list[dict[str, Any]] = field(default_factory=list)


def gather(db: Database, teams: list[str], *, start: date = date.min, end: date = date.max) -> ExportData:
    """The teams' picks of days start..end (by day, then rank), their papers, all votes and criteria versions."""
    data = ExportData()
    by_id: dict[str, Paper] = {}
    for team in teams:
        rows = sorted(picks_between(db, team, start, end), key=lambda r: (r["day"], r["rank"]))
        for r in rows:
            pick = row_to_pick(r)
            data.picks.append(PickEntry(team, r["day"], r["rank"], pick))
            by_id.setdefault(pick.paper.arxiv_id, pick.paper)
        data.votes += team_votes(db, team, start=start, end=end)
        data.criteria_history += [
            {"team": v.team, "version": v.version, "author": v.author, "created_at": v.created_at,
             "change": v.change, "hash": v.hash, "criteria": v.criteria.to_dict()}
            for v in criteria_store.history(db, team)
        ]
    by_id.update(get_papers(db, sorted({v["arxiv_id"] for v in data.votes} - by_id.keys())))
    data.papers = list(by_id.values())
    return data


def team_votes(db: Database, team: str, *, start: date = date.min, end: date = date.max) -> list[dict[str, Any]]:
    """Every vote of a team cast on days start..end: who (platform user id), which paper, +1/-1, when."""
    rows = db.query(
        """SELECT team, arxiv_id, platform, user, value, at FROM votes
           WHERE team = ? AND substr(at, 1, 10) BETWEEN ? AND ? ORDER BY at, arxiv_id, platform, user""",
        [team, start.isoformat(), end.isoformat()],
    )
    return [dict(r) for r in rows]

