"""Digest results: which papers a team picked on which day, and the run's counts."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date

from sqlite_utils import Database

from bot.core.models import Digest, LLMUsage, Pick, Score
from storage.db import utcnow
from storage.papers import paper_from_row


def save_digest(db: Database, digest: Digest) -> None:
    """Store a day's digest and its picks (replacing an earlier run of the same day)."""
    day = digest.day.isoformat()
    with db.atomic():
        db.execute("DELETE FROM picks WHERE team = ? AND day = ?", [digest.team, day])
        db["picks"].insert_all(
            {"team": digest.team, "day": day, "arxiv_id": p.paper.arxiv_id, "rank": i + 1,
             "relevance": p.score.relevance, "novelty": p.score.novelty, "comment": p.score.comment,
             "author_match": int(p.score.author_match), "scorer": p.score.scorer}
            for i, p in enumerate(digest.picks)
        )
        db["digests"].upsert(
            {"team": digest.team, "day": day, "scorer": digest.scorer, "listed": digest.listed,
             "scanned": digest.scanned, "picked": len(digest.picks), "unscored": len(digest.unscored),
             "usage": json.dumps(asdict(digest.usage)), "created_at": utcnow()},
            pk=("team", "day"),
        )


# A pick row: the pick, its paper's fields and the team's net votes (what row_to_pick reads).
_PICK_ROWS = """SELECT k.day, k.rank, k.relevance, k.novelty, k.comment, k.author_match, k.scorer, p.*,
                  coalesce((SELECT sum(v.value) FROM votes v WHERE v.team = k.team AND v.arxiv_id = k.arxiv_id), 0)
                    AS votes
           FROM picks k JOIN papers p USING (arxiv_id)"""


def picks_between(db: Database, team: str, start: date, end: date) -> list[dict]:
    """Picks of days start..end inclusive with paper fields and net votes, best first."""
    return list(db.query(
        _PICK_ROWS + """
           WHERE k.team = ? AND k.day BETWEEN ? AND ?
           ORDER BY votes DESC, k.author_match DESC, coalesce(k.relevance, 0) + coalesce(k.novelty, 0) DESC,
                    k.day DESC, k.rank""",
        [team, start.isoformat(), end.isoformat()],
    ))


def row_to_pick(r: dict) -> Pick:
    """A picks_between row as a Pick."""
    return Pick(paper_from_row(r), Score(r["arxiv_id"], r["relevance"], r["novelty"], r["comment"], r["scorer"],
                                         bool(r["author_match"])), int(r["votes"] or 0))


def digest_meta(db: Database, team: str, day: date) -> dict | None:
    """The stored counts of a day's digest, or None."""
    rows = list(db.query("SELECT * FROM digests WHERE team = ? AND day = ?", [team, day.isoformat()]))
    if not rows:
        return None
    r = dict(rows[0])
    r["usage"] = LLMUsage(**json.loads(r["usage"] or "{}"))
    return r


def digest_days(db: Database, team: str, *, limit: int = 10) -> list[date]:
    """The most recent digest days, newest first."""
    rows = db.execute("SELECT day FROM digests WHERE team = ? ORDER BY day DESC LIMIT ?", [team, limit]).fetchall()
    return [date.fromisoformat(r[0]) for r in rows]


def picks_of_papers(db: Database, team: str, ids: list[str]) -> dict[str, list[dict]]:
    """Every pick of these papers by the team, newest day first, as picks_between rows, by arXiv id."""
    out: dict[str, list[dict]] = {}
    for i in range(0, len(ids), 500):
        chunk = list(ids[i : i + 500])
        marks = ",".join("?" * len(chunk))
        rows = db.query(
            # Only "?" marks are formatted in: every value is a parameter. Sorted here, not by SQL: an
            # ORDER BY day makes SQLite walk all the team's picks by (team, day) instead of picks_team_paper.
            _PICK_ROWS + f" WHERE k.team = ? AND k.arxiv_id IN ({marks})",
            [team, *chunk],
        )
        for r in sorted(rows, key=lambda r: r["day"], reverse=True):
            out.setdefault(r["arxiv_id"], []).append(r)
    return out
