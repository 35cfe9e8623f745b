"""Job runs (daily, weekly, backfill) and a small key-value table."""

from __future__ import annotations

from sqlite_utils import Database

from storage.db import utcnow


def start_job(db: Database, job: str, *, team: str = "", period: str = "") -> int:
    """Record that a job started; returns its id."""
    with db.atomic():
        return db["job_runs"].insert({"job": job, "team": team, "period": period, "started_at": utcnow(),
                                      "status": "running"}).last_pk


def finish_job(db: Database, job_id: int, *, status: str, detail: str = "") -> None:
    """Record how a job ended: ok, empty or failed."""
    with db.atomic():
        db["job_runs"].update(job_id, {"finished_at": utcnow(), "status": status, "detail": detail[:1000]})


def last_job(db: Database, job: str, *, team: str = "", period: str | None = None) -> dict | None:
    """The latest run of a job for a team (only runs for `period` when given; "" is the latest feed's)."""
    sql = "SELECT * FROM job_runs WHERE job = ? AND team = ?"
    params = [job, team]
    if period is not None:
        sql += " AND period = ?"
        params.append(period)
    rows = list(db.query(sql + " ORDER BY id DESC LIMIT 1", params))
    return rows[0] if rows else None


def kv_get(db: Database, key: str) -> str | None:
    """A stored value, or None."""
    rows = list(db.query("SELECT value FROM kv WHERE key = ?", [key]))
    return rows[0]["value"] if rows else None


def kv_set(db: Database, key: str, value: str) -> None:
    """Store a value."""
    with db.atomic():
        db["kv"].upsert({"key": key, "value": value, "updated_at": utcnow()}, pk="key")
