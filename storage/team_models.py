"""The team's persisted ranker model and the daily candidates' decisions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlite_utils import Database

from bot.core.candidates import Candidate
from bot.core.team_model import TeamModel
from storage.db import utcnow


@dataclass(frozen=True, slots=True)
class StoredModel:
    """A team model with what it has learned so far."""

    model: TeamModel
    last_day: str  # the last digest day learned
    learned_until: str  # votes and imported examples up to this time are learned


def load_model(db: Database, team: str) -> StoredModel | None:
    """The team's model, or None (never trained, or stored in a format this version cannot read)."""
    rows = list(db.query("SELECT model, last_day, learned_until FROM team_models WHERE team = ?", [team]))
    if not rows:
        return None
    model = TeamModel.from_bytes(rows[0]["model"])
    return None if model is None else StoredModel(model, rows[0]["last_day"], rows[0]["learned_until"])


def save_model(db: Database, team: str, model: TeamModel, *, last_day: str, learned_until: str) -> None:
    """Store (replace) the team's model."""
    with db.atomic():
        db["team_models"].upsert({"team": team, "model": model.to_bytes(), "last_day": last_day,
                                  "learned_until": learned_until, "updated_at": utcnow()}, pk="team")


def save_candidates(db: Database, team: str, day: str, candidates: Sequence[Candidate]) -> int:
    """Record every candidate's decision for a digest day (a re-run of the day replaces them)."""
    rows = [{"team": team, "day": day, "arxiv_id": c.arxiv_id, "decision": c.decision, "local_score": c.local_score,
             "relevance": c.relevance, "novelty": c.novelty, "comment": c.comment, "scorer": c.scorer}
            for c in candidates]
    with db.atomic():
        db.execute("DELETE FROM candidates WHERE team = ? AND day = ?", [team, day])
        if rows:
            db["candidates"].insert_all(rows, pk=("team", "arxiv_id", "day"))
    return len(rows)


def decisions(db: Database, team: str, arxiv_id: str) -> list[dict]:
    """A paper's decisions for the team, newest day first, with the day's rank among the candidates."""
    return list(db.query(
        """SELECT c.*, (SELECT count(*) FROM candidates o WHERE o.team = c.team AND o.day = c.day
                        AND o.local_score > c.local_score) + 1 AS local_rank,
                  (SELECT count(*) FROM candidates o WHERE o.team = c.team AND o.day = c.day) AS day_candidates
           FROM candidates c WHERE c.team = ? AND c.arxiv_id = ? ORDER BY c.day DESC""",
        [team, arxiv_id]))
