"""Teams and their criteria, with every version kept (who, when, what changed)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlite_utils import Database

from bot.core.models import Criteria
from storage.db import utcnow


@dataclass(frozen=True, slots=True)
class CriteriaVersion:
    """One stored version of a team's criteria."""

    team: str
    version: int
    criteria: Criteria
    hash: str
    author: str
    created_at: str
    change: str


def criteria_hash(c: Criteria) -> str:
    """Content hash of the criteria that affect scoring (cut-offs and size do not)."""
    d = c.to_dict()
    for k in ("relevance_cutoff", "novelty_cutoff", "digest_size"):
        d.pop(k)
    return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()[:16]


class CriteriaChanged(Exception):
    """A save based on an older version: someone saved a newer one meanwhile (`current` is its number)."""

    def __init__(self, current: int) -> None:
        super().__init__(f"the latest version is now {current}")
        self.current = current


def _from_row(r: dict) -> CriteriaVersion:
    return CriteriaVersion(r["team"], r["version"], Criteria.from_dict(json.loads(r["criteria"])), r["hash"],
                           r["author"], r["created_at"], r["change"])


def ensure_team(db: Database, team: str, initial: Criteria) -> CriteriaVersion:
    """Create the team with its config criteria as version 1 if it does not exist yet."""
    current = current_criteria(db, team)
    if current is not None:
        return current
    with db.atomic():
        db["teams"].insert({"name": team, "created_at": utcnow()}, pk="name", ignore=True)
    return save_criteria(db, team, initial, author="config", change="initial criteria from config.toml")


def current_criteria(db: Database, team: str) -> CriteriaVersion | None:
    """The latest version, or None for an unknown team."""
    rows = list(db.query(
        "SELECT * FROM criteria_versions WHERE team = ? ORDER BY version DESC LIMIT 1", [team]))
    return _from_row(rows[0]) if rows else None


def save_criteria(db: Database, team: str, criteria: Criteria, *, author: str, change: str,
                  expected_version: int | None = None) -> CriteriaVersion:
    """Append a new version (never overwrites history).

    With `expected_version` (the version the change was made from) it raises CriteriaChanged instead of
    saving when a newer version exists: two editors changing v3 at once must not silently undo each other.
    """
    with db.atomic():
        row = db.execute("SELECT coalesce(max(version), 0) FROM criteria_versions WHERE team = ?", [team]).fetchone()
        if expected_version is not None and row[0] != expected_version:
            raise CriteriaChanged(row[0])
        version = row[0] + 1
        rec = {"team": team, "version": version, "criteria": json.dumps(criteria.to_dict()),
               "hash": criteria_hash(criteria), "author": author, "created_at": utcnow(), "change": change}
        db["criteria_versions"].insert(rec)
    return _from_row(rec)


def history(db: Database, team: str) -> list[CriteriaVersion]:
    """All versions, oldest first."""
    rows = db.query("SELECT * FROM criteria_versions WHERE team = ? ORDER BY version", [team])
    return [_from_row(r) for r in rows]


def get_version(db: Database, team: str, version: int) -> CriteriaVersion | None:
    """One version by number."""
    rows = list(db.query("SELECT * FROM criteria_versions WHERE team = ? AND version = ?", [team, version]))
    return _from_row(rows[0]) if rows else None
