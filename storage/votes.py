"""Votes: one per user per paper per platform; Slack and Discord votes of a team add up."""

from __future__ import annotations

from sqlite_utils import Database

from storage.db import utcnow


def set_vote(db: Database, *, team: str, arxiv_id: str, platform: str, user: str, value: int) -> bool:
    """Record a +1/-1 vote; returns False when the same vote was already there (a no-op)."""
    with db.atomic():
        rows = list(db.query(
            "SELECT value FROM votes WHERE team = ? AND arxiv_id = ? AND platform = ? AND user = ?",
            [team, arxiv_id, platform, user]))
        if rows and rows[0]["value"] == value:
            return False
        db["votes"].upsert({"team": team, "arxiv_id": arxiv_id, "platform": platform, "user": user,
                            "value": value, "at": utcnow()}, pk=("team", "arxiv_id", "platform", "user"))
    return True


def remove_vote(db: Database, *, team: str, arxiv_id: str, platform: str, user: str, value: int) -> bool:
    """Remove a user's vote of this sign; False when there was none."""
    with db.atomic():
        cur = db.execute(
            "DELETE FROM votes WHERE team = ? AND arxiv_id = ? AND platform = ? AND user = ? AND value = ?",
            [team, arxiv_id, platform, user, value])
    return cur.rowcount > 0


def remove_votes_for_message(db: Database, *, platform: str, message_id: str, slot: int | None = None,
                             value: int | None = None) -> int:
    """Remove this platform's votes on the paper(s) of a message whose reactions were cleared; returns how many.

    `slot` narrows to one paper (0: the message's own paper, k: numbered reaction k), `value` to +1 or -1.
    Votes do not record which message they came through, so a vote on the same paper given through
    another message of the same platform goes too (see the lead's note on a `votes.message_id` column).
    """
    sql = "SELECT DISTINCT team, arxiv_id FROM post_papers WHERE platform = ? AND message_id = ?"
    params: list[object] = [platform, message_id]
    if slot is not None:
        sql += " AND slot = ?"
        params.append(slot)
    removed = 0
    with db.atomic():
        for row in list(db.query(sql, params)):
            delete = "DELETE FROM votes WHERE team = ? AND arxiv_id = ? AND platform = ?"
            args: list[object] = [row["team"], row["arxiv_id"], platform]
            if value is not None:
                delete += " AND value = ?"
                args.append(value)
            removed += db.execute(delete, args).rowcount
    return removed


def net_votes(db: Database, team: str, ids: list[str]) -> dict[str, int]:
    """Net votes (ups minus downs) for papers."""
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    rows = db.query(
        f"SELECT arxiv_id, sum(value) AS v FROM votes WHERE team = ? AND arxiv_id IN ({marks}) GROUP BY arxiv_id",  # noqa: S608
        [team, *ids])
    return {r["arxiv_id"]: int(r["v"]) for r in rows}


def top_voted(db: Database, team: str, *, since: str = "", limit: int = 10, offset: int = 0) -> list[dict]:
    """Papers by net votes (only positive), with paper fields."""
    return list(db.query(
        """SELECT p.*, sum(v.value) AS votes, count(*) AS voters FROM votes v JOIN papers p USING (arxiv_id)
           WHERE v.team = ? AND v.at >= ? GROUP BY v.arxiv_id HAVING sum(v.value) > 0
           ORDER BY votes DESC, max(v.at) DESC LIMIT ? OFFSET ?""",
        [team, since, limit, offset]))


def user_votes(db: Database, team: str, *, platform: str, user: str, limit: int = 10, offset: int = 0) -> list[dict]:
    """What one user voted up, newest first."""
    return list(db.query(
        """SELECT p.*, v.value, v.at FROM votes v JOIN papers p USING (arxiv_id)
           WHERE v.team = ? AND v.platform = ? AND v.user = ? AND v.value > 0 ORDER BY v.at DESC LIMIT ? OFFSET ?""",
        [team, platform, user, limit, offset]))


def voted_ids(db: Database, team: str) -> dict[str, int]:
    """Every paper the team voted on, with its net votes (training signal for the ranker)."""
    rows = db.query("SELECT arxiv_id, sum(value) AS v FROM votes WHERE team = ? GROUP BY arxiv_id", [team])
    return {r["arxiv_id"]: int(r["v"]) for r in rows}


def count_top_voted(db: Database, team: str, *, since: str = "") -> int:
    """How many papers top_voted would list in all (for "Page 2 of 5")."""
    row = db.execute(
        """SELECT count(*) FROM (SELECT 1 FROM votes WHERE team = ? AND at >= ? GROUP BY arxiv_id
           HAVING sum(value) > 0)""", [team, since]).fetchone()
    return int(row[0])


def count_user_votes(db: Database, team: str, *, platform: str, user: str) -> int:
    """How many papers user_votes would list in all."""
    row = db.execute("SELECT count(*) FROM votes WHERE team = ? AND platform = ? AND user = ? AND value > 0",
                     [team, platform, user]).fetchone()
    return int(row[0])
