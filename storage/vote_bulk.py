"""Removing many votes at once: when a platform clears the reactions of a message."""

from __future__ import annotations

from sqlite_utils import Database


def remove_votes_for_message(db: Database, *, platform: str, message_id: str, slot: int | None = None,
                             value: int | None = None) -> int:
    """Remove this platform's votes on the paper(s) a message stands for; returns how many were removed.

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
