"""Weekly reports: one stored report per team and ISO week, with what it cost."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from storage.db import utcnow


@dataclass(frozen=True, slots=True)
class StoredReport:
    """A week's stored report."""

    team: str
    week: str
    report: dict[str, Any]
    scorer: str
    cost_usd: float
    created_at: str


def save_report(db: Database, team: str, week: str, report: dict[str, Any], *, scorer: str,
                cost_usd: float = 0.0) -> None:
    """Store (or replace, on --force) the report of a team's week."""
    with db.atomic():
        db["weekly_reports"].upsert(
            {"team": team, "week": week, "report": json.dumps(report, ensure_ascii=False), "scorer": scorer,
             "cost_usd": cost_usd, "created_at": utcnow()},
            pk=("team", "week"),
        )


def load_report(db: Database, team: str, week: str) -> StoredReport | None:
    """The stored report of a team's week, or None."""
    rows = list(db.query("SELECT * FROM weekly_reports WHERE team = ? AND week = ?", [team, week]))
    if not rows:
        return None
    r = rows[0]
    return StoredReport(r["team"], r["week"], json.loads(r["report"]), r["scorer"], r["cost_usd"], r["created_at"])
