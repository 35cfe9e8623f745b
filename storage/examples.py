"""A team's labelled examples (imported reading lists): what the ranker may learn the team's taste from."""

from __future__ import annotations

from collections.abc import Iterable

from sqlite_utils import Database

from storage.db import utcnow

POSITIVE, NEGATIVE = 1, -1


def add_examples(db: Database, team: str, arxiv_ids: Iterable[str], *, label: int = POSITIVE, source: str = "",
                 added_by: str = "") -> int:
    """Label papers for a team (an id labelled again takes the new label); returns how many were new."""
    if label not in (POSITIVE, NEGATIVE):
        raise ValueError(f"label must be {POSITIVE} or {NEGATIVE}, not {label!r}")
    ids = list(dict.fromkeys(arxiv_ids))
    if not ids:
        return 0
    before = count_examples(db, team)
    now = utcnow()
    with db.atomic():
        db["team_examples"].upsert_all(
            ({"team": team, "arxiv_id": i, "label": label, "source": source, "added_by": added_by, "added_at": now}
             for i in ids),
            pk=("team", "arxiv_id"), batch_size=500,
        )
    return count_examples(db, team) - before


def team_examples(db: Database, team: str) -> dict[str, int]:
    """The team's examples: {paper id: label} (+1 positive, -1 negative), oldest first."""
    rows = db.execute("SELECT arxiv_id, label FROM team_examples WHERE team = ? ORDER BY added_at, rowid",
                      [team]).fetchall()
    return {r[0]: int(r[1]) for r in rows}


def count_examples(db: Database, team: str) -> int:
    """How many examples the team has."""
    return db.execute("SELECT count(*) FROM team_examples WHERE team = ?", [team]).fetchone()[0]
