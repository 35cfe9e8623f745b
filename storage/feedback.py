"""What the team model learns besides the daily verdicts: votes, imported examples, past scores, recent papers."""

from __future__ import annotations

from datetime import date

from sqlite_utils import Database

from bot.core.models import Paper, Score
from storage.papers import paper_from_row


def feedback_since(db: Database, team: str, since: str) -> list[tuple[Paper, int, str]]:
    """(paper, +1/-1, "vote" or "example") for papers voted on or imported after `since` (ISO time).

    A paper's vote is its net vote now (zero-sum votes are left out); a paper both voted on and
    imported is given once, as its vote.
    """
    out: dict[str, tuple[Paper, int, str]] = {}
    for r in db.query(
        """SELECT p.*, e.label FROM team_examples e JOIN papers p USING (arxiv_id)
           WHERE e.team = ? AND e.added_at > ?""", [team, since]):
        out[r["arxiv_id"]] = (paper_from_row(r), 1 if r["label"] > 0 else -1, "example")
    for r in db.query(
        """SELECT p.*, v.net FROM (SELECT arxiv_id, sum(value) AS net FROM votes WHERE team = ?
                                   GROUP BY arxiv_id HAVING max(at) > ?) v JOIN papers p USING (arxiv_id)
           WHERE v.net != 0""", [team, since]):
        out[r["arxiv_id"]] = (paper_from_row(r), 1 if r["net"] > 0 else -1, "vote")
    return list(out.values())


def latest_feedback(db: Database, team: str) -> str:
    """The time of the team's newest vote or imported example ('' when none)."""
    row = db.execute(
        """SELECT max(t) FROM (SELECT max(at) AS t FROM votes WHERE team = ?
                              UNION ALL SELECT max(added_at) FROM team_examples WHERE team = ?)""",
        [team, team]).fetchone()
    return row[0] or ""


def scored_history(db: Database, team: str, *, limit: int = 20000) -> list[tuple[Paper, Score, str]]:
    """The team's past LLM verdicts, oldest first, with the time each was scored (a new model's first lesson)."""
    rows = db.query(
        """SELECT p.*, s.relevance, s.novelty, s.scorer, s.author_match, s.scored_at FROM scores s
           JOIN papers p USING (arxiv_id)
           WHERE s.team = ? AND s.status = 'scored' AND s.scorer LIKE 'llm:%' AND s.relevance IS NOT NULL
           ORDER BY s.scored_at DESC LIMIT ?""", [team, limit])
    seen: set[str] = set()
    out: list[tuple[Paper, Score, str]] = []
    for r in rows:
        if r["arxiv_id"] not in seen:
            seen.add(r["arxiv_id"])
            out.append((paper_from_row(r), Score(r["arxiv_id"], r["relevance"], r["novelty"], scorer=r["scorer"]),
                        r["scored_at"]))
    return out[::-1]


def recent_papers(db: Database, before: date, *, days: int, limit: int = 5000) -> list[Paper]:
    """Papers of the `days` listing days before `before` (unlabelled context for the criteria score)."""
    rows = db.query(
        """SELECT p.* FROM listings l JOIN papers p USING (arxiv_id)
           WHERE l.day IN (SELECT DISTINCT day FROM listings WHERE day < ? ORDER BY day DESC LIMIT ?)
           ORDER BY l.day DESC LIMIT ?""", [before.isoformat(), days, limit])
    seen: set[str] = set()
    out = []
    for r in rows:
        if r["arxiv_id"] not in seen:
            seen.add(r["arxiv_id"])
            out.append(paper_from_row(r))
    return out
