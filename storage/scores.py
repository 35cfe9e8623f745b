"""Scores per (team, paper, criteria hash, scorer, prompt version), and the LLM calls they cost."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlite_utils import Database

from bot.core.models import Paper, Score
from bot.ports import CallRecord
from storage.db import utcnow
from storage.papers import paper_from_row


@dataclass(frozen=True, slots=True)
class ScoreKey:
    """What a cached score is valid for."""

    team: str
    criteria_hash: str
    scorer: str
    prompt_version: str


def cached_scores(db: Database, key: ScoreKey, ids: Sequence[str]) -> dict[str, Score]:
    """Scores already stored for these ids under this key (status 'scored' only)."""
    out: dict[str, Score] = {}
    for i in range(0, len(ids), 500):
        chunk = list(ids[i : i + 500])
        marks = ",".join("?" * len(chunk))
        rows = db.query(
            f"""SELECT * FROM scores WHERE team = ? AND criteria_hash = ? AND scorer = ? AND prompt_version = ?
                AND status = 'scored' AND arxiv_id IN ({marks})""",  # noqa: S608 - marks are only "?"
            [key.team, key.criteria_hash, key.scorer, key.prompt_version, *chunk],
        )
        for r in rows:
            out[r["arxiv_id"]] = Score(r["arxiv_id"], r["relevance"], r["novelty"], r["comment"], r["scorer"],
                                       bool(r["author_match"]))
    return out


def save_scores(db: Database, key: ScoreKey, scores: Iterable[Score], *, status: str = "scored") -> int:
    """Store scores (replacing earlier attempts under the same key)."""
    now = utcnow()
    rows = [
        {"team": key.team, "arxiv_id": s.arxiv_id, "criteria_hash": key.criteria_hash, "scorer": key.scorer,
         "prompt_version": key.prompt_version, "relevance": s.relevance, "novelty": s.novelty,
         "comment": s.comment, "author_match": int(s.author_match), "status": status, "attempts": 1,
         "scored_at": now}
        for s in scores
    ]
    if rows:
        with db.atomic():
            db["scores"].upsert_all(rows, pk=("team", "arxiv_id", "criteria_hash", "scorer", "prompt_version"))
    return len(rows)


def mark_unscored(db: Database, key: ScoreKey, ids: Iterable[str]) -> int:
    """Record papers the scorer could not judge, so the next run retries them."""
    now = utcnow()
    n = 0
    with db.atomic():
        for i in ids:
            db.execute(
                """INSERT INTO scores (team, arxiv_id, criteria_hash, scorer, prompt_version, status, attempts, scored_at)
                   VALUES (?, ?, ?, ?, ?, 'unscored', 1, ?)
                   ON CONFLICT DO UPDATE SET attempts = attempts + 1, scored_at = excluded.scored_at
                   WHERE status = 'unscored'""",
                [key.team, i, key.criteria_hash, key.scorer, key.prompt_version, now],
            )
            n += 1
    return n


def history(db: Database, team: str, *, scorer_prefix: str = "llm:", limit: int = 20000) -> list[tuple[Paper, Score]]:
    """The team's past scored papers (newest first): training data for the local classifier."""
    rows = db.query(
        """SELECT p.*, s.relevance, s.novelty, s.comment AS s_comment, s.scorer, s.author_match
           FROM scores s JOIN papers p USING (arxiv_id)
           WHERE s.team = ? AND s.status = 'scored' AND s.scorer LIKE ? AND s.relevance IS NOT NULL
           ORDER BY s.scored_at DESC LIMIT ?""",
        [team, scorer_prefix + "%", limit],
    )
    seen: set[str] = set()
    out: list[tuple[Paper, Score]] = []
    for r in rows:
        if r["arxiv_id"] in seen:
            continue
        seen.add(r["arxiv_id"])
        out.append((paper_from_row(r), Score(r["arxiv_id"], r["relevance"], r["novelty"], r["s_comment"],
                                              r["scorer"], bool(r["author_match"]))))
    return out


def record_calls(db: Database, calls: Iterable[CallRecord], *, team: str = "", ref: str = "") -> None:
    """Store what each LLM call cost."""
    rows = [
        {"at": utcnow(), "team": team, "purpose": c.purpose, "model": c.model, "prompt_tokens": c.prompt_tokens,
         "completion_tokens": c.completion_tokens, "cached_tokens": c.cached_tokens, "cost_usd": c.cost_usd,
         "ok": int(c.ok), "error": c.error[:500], "ref": ref}
        for c in calls
    ]
    if rows:
        with db.atomic():
            db["llm_calls"].insert_all(rows)


def cost_summary(db: Database, team: str, *, since: str = "") -> list[dict]:
    """LLM calls, tokens and dollars per purpose since an ISO date (for /papers cost)."""
    return list(db.query(
        """SELECT purpose, count(*) AS calls, sum(prompt_tokens) AS prompt_tokens,
                  sum(completion_tokens) AS completion_tokens, round(sum(cost_usd), 4) AS cost_usd
           FROM llm_calls WHERE team = ? AND at >= ? GROUP BY purpose ORDER BY purpose""",
        [team, since],
    ))
