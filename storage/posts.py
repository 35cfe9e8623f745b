"""What was posted where: the truth that makes posting idempotent and maps messages to papers."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlite_utils import Database

from storage.db import utcnow
from storage.owners import owner_alive


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


# A claim older than this may be taken over even if its holder cannot be seen to have died (another host).
CLAIM_TTL = timedelta(minutes=10)
_WHERE = "team = ? AND kind = ? AND period = ? AND platform = ? AND channel = ? AND key = ?"


@dataclass(frozen=True, slots=True)
class Claim:
    """The answer to claim_post.

    state: 'claimed' (new: nothing can be out yet, send it), 'resume' (taken over from a holder that died
    or gave up: part of it may be on the platform already, look there first), 'posted' or 'busy'.
    since: when this post was first claimed, where a search of the platform starts.
    """

    state: str
    since: str = ""


def claim_post(db: Database, *, team: str, kind: str, period: str, platform: str, channel: str, key: str,
               owner: str, now: datetime | None = None) -> Claim:
    """Reserve a post before sending it; see Claim for the answers.

    The claim is a row with no message ids yet; the UNIQUE key makes the reservation atomic, so two
    processes (the bot and a `paperbot daily` run) never both post the same message. A claim is taken
    over when its holder is dead (storage.owners), gave it up, or is older than CLAIM_TTL.
    """
    now = now or datetime.now(UTC)
    at = now.isoformat(timespec="seconds")
    args = [team, kind, period, platform, channel, key]
    with db.atomic():
        cur = db.execute(
            "INSERT OR IGNORE INTO posts (team, kind, period, platform, channel, key, message_ids, thread_id, "
            "posted_at, claimed_by, claimed_at) VALUES (?, ?, ?, ?, ?, ?, '[]', '', ?, ?, ?)",
            [*args, at, owner, at])
        if cur.rowcount == 1:
            return Claim("claimed", at)
        ids, holder, claimed_at, since = db.execute(
            f"SELECT message_ids, claimed_by, posted_at, claimed_at FROM posts WHERE {_WHERE}", args).fetchone()  # noqa: S608
        if ids != "[]":
            return Claim("posted", since)
        stale = claimed_at < (now - CLAIM_TTL).isoformat(timespec="seconds")
        if holder and owner_alive(holder) is not False and not stale:
            return Claim("busy", since)
        cur = db.execute(f"UPDATE posts SET posted_at = ?, claimed_by = ? WHERE {_WHERE} AND message_ids = '[]' "  # noqa: S608
                         "AND claimed_by = ?", [at, owner, *args, holder])
        return Claim("resume", since or claimed_at) if cur.rowcount == 1 else Claim("busy", since)


def release_post(db: Database, *, team: str, kind: str, period: str, platform: str, channel: str, key: str,
                 maybe_sent: bool = True) -> None:
    """Give a claim up after a failed send: dropped when nothing was sent, else left for the next run to
    reconcile with the platform (some of it may have been accepted before the failure)."""
    args = [team, kind, period, platform, channel, key]
    with db.atomic():
        if maybe_sent:
            db.execute(f"UPDATE posts SET claimed_by = '' WHERE {_WHERE} AND message_ids = '[]'", args)  # noqa: S608
        else:
            db.execute(f"DELETE FROM posts WHERE {_WHERE} AND message_ids = '[]'", args)  # noqa: S608


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
