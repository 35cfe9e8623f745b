"""Cached /explain answers, one per (paper, team, question, model, prompt version)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from storage.db import utcnow


@dataclass(frozen=True, slots=True)
class Explanation:
    """A stored answer and what it cost when it was made."""

    arxiv_id: str
    team: str
    question: str
    model: str
    prompt_version: str
    answer: str
    cost_usd: float
    created_at: str


def get_explanation(db: Database, *, arxiv_id: str, team: str, question: str, model: str,
                    prompt_version: str) -> Explanation | None:
    """The cached answer for exactly this key, or None."""
    rows = list(db.query(
        """SELECT * FROM explanations WHERE arxiv_id = ? AND team = ? AND question = ? AND model = ?
           AND prompt_version = ?""",
        [arxiv_id, team, question, model, prompt_version],
    ))
    if not rows:
        return None
    r = rows[0]
    return Explanation(r["arxiv_id"], r["team"], r["question"], r["model"], r["prompt_version"], r["answer"],
                       float(r["cost_usd"] or 0.0), r["created_at"])


def save_explanation(db: Database, *, arxiv_id: str, team: str, question: str, model: str, prompt_version: str,
                     answer: str, cost_usd: float = 0.0) -> None:
    """Store (or replace) the answer for this key."""
    with db.atomic():
        db["explanations"].upsert(
            {"arxiv_id": arxiv_id, "team": team, "question": question, "model": model,
             "prompt_version": prompt_version, "answer": answer, "cost_usd": cost_usd, "created_at": utcnow()},
            pk=("arxiv_id", "team", "question", "model", "prompt_version"),
        )


def count_explanations(db: Database, team: str) -> int:
    """How many answers are cached for a team."""
    return db.execute("SELECT count(*) FROM explanations WHERE team = ?", [team]).fetchone()[0]
