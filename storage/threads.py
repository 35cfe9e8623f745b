"""Which paper a chat thread is about, and the questions asked in it (thread Q&A context).

A thread is found from the message it hangs under: a card, an answer or an unfurled link the bot
recorded here (`paper_messages`), else a digest or weekly post (`posts`/`post_papers`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlite_utils import Database

from storage.db import utcnow


@dataclass(frozen=True, slots=True)
class ThreadPaper:
    """A paper a message stands for, its team, and the root message of its conversation."""

    arxiv_id: str
    team: str
    root: str


def remember_messages(db: Database, *, platform: str, channel: str, message_ids: Sequence[str], arxiv_id: str,
                      team: str, root: str, kind: str) -> None:
    """Record that these messages are about one paper, in the conversation under `root`."""
    now = utcnow()
    with db.atomic():
        db["paper_messages"].upsert_all(
            ({"platform": platform, "message_id": mid, "channel": channel, "arxiv_id": arxiv_id, "team": team,
              "root": root, "kind": kind, "at": now} for mid in message_ids),
            pk=("platform", "message_id"),
        )


def message_paper(db: Database, *, platform: str, message_id: str) -> ThreadPaper | None:
    """The one paper a message is about: a recorded card/answer/link, else a one-paper digest post."""
    rows = list(db.query("SELECT arxiv_id, team, root FROM paper_messages WHERE platform = ? AND message_id = ?",
                         [platform, message_id]))
    if rows:
        return ThreadPaper(rows[0]["arxiv_id"], rows[0]["team"], rows[0]["root"])
    rows = list(db.query("SELECT arxiv_id, team FROM post_papers WHERE platform = ? AND message_id = ? AND slot = 0",
                         [platform, message_id]))
    return ThreadPaper(rows[0]["arxiv_id"], rows[0]["team"], message_id) if rows else None


def thread_papers(db: Database, *, platform: str, thread: str) -> list[tuple[str, str]]:
    """(arXiv id, team) of every paper posted in a digest or weekly thread (its parent's id), in order."""
    rows = db.query(
        """SELECT pp.arxiv_id, pp.team, min(p.id * 100 + pp.slot) AS pos
           FROM posts p, json_each(p.message_ids) m
           JOIN post_papers pp ON pp.platform = p.platform AND pp.message_id = m.value
           WHERE p.platform = ? AND (p.thread_id = ? OR m.value = ?)
           GROUP BY pp.arxiv_id, pp.team ORDER BY pos""",
        [platform, thread, thread],
    )
    return [(r["arxiv_id"], r["team"]) for r in rows]


def add_question(db: Database, *, platform: str, root: str, arxiv_id: str, team: str, user: str, question: str,
                 answer: str) -> None:
    """Remember a question asked in a paper's thread and the answer it got."""
    with db.atomic():
        db["thread_questions"].insert({"platform": platform, "root": root, "arxiv_id": arxiv_id, "team": team,
                                       "user": user, "question": question, "answer": answer, "at": utcnow()})


def thread_questions(db: Database, *, platform: str, root: str, arxiv_id: str, limit: int = 5) -> list[tuple[str, str]]:
    """The last `limit` (question, answer) pairs of a paper's thread, oldest first."""
    rows = db.query(
        """SELECT question, answer FROM thread_questions WHERE platform = ? AND root = ? AND arxiv_id = ?
           ORDER BY id DESC LIMIT ?""",
        [platform, root, arxiv_id, limit],
    )
    return [(r["question"], r["answer"]) for r in rows][::-1]


def last_asked(db: Database, *, platform: str, root: str) -> str | None:
    """The paper the latest question under `root` was about (a thread about several papers)."""
    row = db.execute("SELECT arxiv_id FROM thread_questions WHERE platform = ? AND root = ? ORDER BY id DESC LIMIT 1",
                     [platform, root]).fetchone()
    return row[0] if row else None
