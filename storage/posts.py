"""What was posted where: the truth that makes posting idempotent and maps messages to papers."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlite_utils import Database

from storage.db import utcnow


@dataclass(frozen=True, slots=True)
class PostRef:
    """One recorded post."""

    key: str
    message_ids: tuple[str, ...]
    thread_id: str


def find_post(db: Database, *, team: str, kind: str, period: str, platform: str, channel: str,
              key: str) -> PostRef | None:
    """The recorded post for this key, or None if it was never posted (or is only claimed)."""
    rows = list(db.query(
        """SELECT key, message_ids, thread_id FROM posts WHERE team = ? AND kind = ? AND period = ?
           AND platform = ? AND channel = ? AND key = ? AND message_ids != '[]'""",
        [team, kind, period, platform, channel, key],
    ))
    if not rows:
        return None
    r = rows[0]
    return PostRef(r["key"], tuple(json.loads(r["message_ids"])), r["thread_id"])


# A claim older than this is taken to be a process that died mid-post, and may be taken over.
CLAIM_TTL = timedelta(minutes=10)
_WHERE = "team = ? AND kind = ? AND period = ? AND platform = ? AND channel = ? AND key = ?"


def claim_post(db: Database, *, team: str, kind: str, period: str, platform: str, channel: str, key: str,
               now: datetime | None = None) -> str:
    """Reserve a post before sending it: 'claimed' (go ahead), 'posted' (already there) or 'busy'.

    The claim is a row with no message ids yet; the UNIQUE key makes the reservation atomic, so two
    processes (the bot and a `paperbot daily` run) never both post the same message.
    """
    now = now or datetime.now(UTC)
    args = [team, kind, period, platform, channel, key]
    with db.atomic():
        cur = db.execute(
            "INSERT OR IGNORE INTO posts (team, kind, period, platform, channel, key, message_ids, thread_id, "
            "posted_at) VALUES (?, ?, ?, ?, ?, ?, '[]', '', ?)", [*args, now.isoformat(timespec="seconds")])
        if cur.rowcount == 1:
            return "claimed"
        if db.execute(f"SELECT message_ids FROM posts WHERE {_WHERE}", args).fetchone()[0] != "[]":  # noqa: S608
            return "posted"
        stale = (now - CLAIM_TTL).isoformat(timespec="seconds")
        cur = db.execute(f"UPDATE posts SET posted_at = ? WHERE {_WHERE} AND message_ids = '[]' AND posted_at < ?",  # noqa: S608
                         [now.isoformat(timespec="seconds"), *args, stale])
        return "claimed" if cur.rowcount == 1 else "busy"


def release_post(db: Database, *, team: str, kind: str, period: str, platform: str, channel: str, key: str) -> None:
    """Drop an unfulfilled claim (the post failed), so the next run retries it at once."""
    with db.atomic():
        db.execute(f"DELETE FROM posts WHERE {_WHERE} AND message_ids = '[]'",  # noqa: S608
                   [team, kind, period, platform, channel, key])


def record_post(db: Database, *, team: str, kind: str, period: str, platform: str, channel: str, key: str,
                message_ids: Sequence[str], thread_id: str = "", papers: Sequence[str] = ()) -> None:
    """Record a post (fulfilling its claim) and which paper(s) its message(s) stand for (numbered slots)."""
    with db.atomic():
        args = [team, kind, period, platform, channel, key]
        db.execute(f"UPDATE posts SET message_ids = ?, thread_id = ?, posted_at = ? WHERE {_WHERE} "  # noqa: S608
                   "AND message_ids = '[]'", [json.dumps(list(message_ids)), thread_id, utcnow(), *args])
        db["posts"].insert(
            {"team": team, "kind": kind, "period": period, "platform": platform, "channel": channel, "key": key,
             "message_ids": json.dumps(list(message_ids)), "thread_id": thread_id, "posted_at": utcnow()},
            ignore=True,
        )
        slots = [(0, papers[0])] if len(papers) == 1 else [(i + 1, pid) for i, pid in enumerate(papers)]
        for mid in message_ids:
            for slot, pid in slots:
                db["post_papers"].insert(
                    {"platform": platform, "channel": channel, "message_id": mid, "slot": slot, "arxiv_id": pid,
                     "team": team},
                    ignore=True,
                )


def paper_for_message(db: Database, *, platform: str, message_id: str, slot: int) -> tuple[str, str] | None:
    """(team, arXiv id) that a message (slot 0) or its numbered reaction `slot` stands for."""
    rows = list(db.query(
        "SELECT team, arxiv_id FROM post_papers WHERE platform = ? AND message_id = ? AND slot = ?",
        [platform, message_id, slot],
    ))
    return (rows[0]["team"], rows[0]["arxiv_id"]) if rows else None


def posts_for(db: Database, *, team: str, kind: str, period: str) -> list[dict]:
    """All recorded posts of one digest or report, in posting order."""
    return list(db.query(
        "SELECT * FROM posts WHERE team = ? AND kind = ? AND period = ? ORDER BY id", [team, kind, period]))


def mark_event_seen(db: Database, platform: str, event_id: str) -> bool:
    """Remember a platform event id; False when it was already seen (a retry to ignore)."""
    cur = db.execute("INSERT OR IGNORE INTO seen_events (platform, event_id, at) VALUES (?, ?, ?)",
                     [platform, event_id, utcnow()])
    db.conn.commit()
    return cur.rowcount == 1
