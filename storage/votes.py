"""Votes follow reactions: each vote reaction a member still has is stored; their vote is derived from them.

A member's vote on a paper (per platform) is the sign of their vote reactions on it: ups minus downs.
Two 👍-like reactions are +1 and removing one keeps it; 👍 and 👎 together cancel to 0 and removing
either brings the other's vote back. A Discord super reaction is one more reaction, never a cancel.
Slack and Discord votes of a team add up. The `votes` table holds the derived result, so every query
here reads one row per voter; only settle_vote writes it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from bot.core.votes import normalize_emoji
from storage.db import utcnow
from storage.posts import paper_for_message

COMMAND = "command"  # the reaction name of a vote given without a message: the Upvote button, /papers upvote
LEGACY = "legacy"  # a vote recorded before reactions were stored (migration m011)
_VOTER = "team = ? AND arxiv_id = ? AND platform = ? AND user = ?"


def settle_vote(db: Database, *, team: str, arxiv_id: str, platform: str, user: str) -> tuple[int, int]:
    """Re-derive a member's vote from their stored vote reactions (sign of ups minus downs); (before, after)."""
    args = [team, arxiv_id, platform, user]
    row = db.execute(f"SELECT value FROM votes WHERE {_VOTER}", args).fetchone()  # noqa: S608
    before = int(row[0]) if row else 0
    total = db.execute(f"SELECT coalesce(sum(value), 0) FROM vote_reactions WHERE {_VOTER}", args).fetchone()[0]  # noqa: S608
    after = (total > 0) - (total < 0)
    if after == before:
        return before, after  # unchanged: keep the time it was first given (top_voted, /papers mine order)
    if after == 0:
        db.execute(f"DELETE FROM votes WHERE {_VOTER}", args)  # noqa: S608
    else:
        db.execute("""INSERT INTO votes (team, arxiv_id, platform, user, value, at) VALUES (?, ?, ?, ?, ?, ?)
                      ON CONFLICT DO UPDATE SET value = excluded.value, at = excluded.at""", [*args, after, utcnow()])
    return before, after


def set_vote(db: Database, *, team: str, arxiv_id: str, platform: str, user: str, value: int) -> bool:
    """A +1/-1 given without a reaction (the Upvote button); False when the member's vote was already that.

    It counts like one more reaction of that sign, beside the member's reactions.
    """
    with db.atomic():
        db.execute("""INSERT INTO vote_reactions (platform, message_id, user, reaction, burst, team, arxiv_id, value, at)
                      VALUES (?, '', ?, ?, 0, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET value = excluded.value""",
                   [platform, user, COMMAND, team, arxiv_id, value, utcnow()])
        before, after = settle_vote(db, team=team, arxiv_id=arxiv_id, platform=platform, user=user)
    return before != after


def remove_vote(db: Database, *, team: str, arxiv_id: str, platform: str, user: str, value: int) -> bool:
    """Take back a vote of this sign given without a reaction (or recorded before reactions were); False if none."""
    with db.atomic():
        removed = db.execute(
            """DELETE FROM vote_reactions WHERE platform = ? AND message_id = '' AND user = ? AND reaction IN (?, ?)
               AND team = ? AND arxiv_id = ? AND value = ?""",
            [platform, user, COMMAND, LEGACY, team, arxiv_id, value]).rowcount
        settle_vote(db, team=team, arxiv_id=arxiv_id, platform=platform, user=user)
    return removed > 0


_KEY = "platform = ? AND message_id = ? AND user = ? AND reaction = ? AND burst = ? AND team = ? AND arxiv_id = ?"


@dataclass(frozen=True, slots=True)
class ReactionChange:
    """What one reaction did to a member's vote on a paper."""

    team: str
    arxiv_id: str
    before: int  # the member's vote before: -1, 0 or +1
    after: int


def record_reaction(db: Database, *, platform: str, message_id: str, user: str, reaction: str, burst: bool,
                    slot: int, value: int, added: bool) -> ReactionChange | None:
    """Store an added vote reaction (or drop a removed one) and re-derive the vote; None: not a paper message."""
    with db.atomic():
        target = paper_for_message(db, platform=platform, message_id=message_id, slot=slot)
        if target is None:
            return None
        team, arxiv_id = target
        key = [platform, message_id, user, reaction, int(burst), team, arxiv_id]
        if added:
            db.execute(
                "INSERT OR IGNORE INTO vote_reactions (platform, message_id, user, reaction, burst, team, arxiv_id, "
                "value, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [*key, value, utcnow()])
        elif db.execute(f"DELETE FROM vote_reactions WHERE {_KEY}", key).rowcount == 0:  # noqa: S608
            # A reaction from before reactions were stored: it is one of the member's "legacy" votes.
            db.execute(f"DELETE FROM vote_reactions WHERE {_KEY} AND value = ?",  # noqa: S608
                       [platform, "", user, LEGACY, 0, team, arxiv_id, value])
        before, after = settle_vote(db, team=team, arxiv_id=arxiv_id, platform=platform, user=user)
    return ReactionChange(team, arxiv_id, before, after)


def clear_reactions(db: Database, *, platform: str, message_id: str, emoji: str | None = None) -> int:
    """A message's reactions were cleared (only `emoji`'s when given): drop them and re-derive the votes.

    Only reactions on this message go: a member's vote given through another message stays. Returns how
    many members' votes changed.
    """
    with db.atomic():
        rows = list(db.query(
            "SELECT reaction, burst, team, arxiv_id, user FROM vote_reactions WHERE platform = ? AND message_id = ?",
            [platform, message_id]))
        if emoji is not None:
            rows = [r for r in rows if normalize_emoji(r["reaction"]) == normalize_emoji(emoji)]
        for r in rows:
            db.execute(f"DELETE FROM vote_reactions WHERE {_KEY}",  # noqa: S608
                       [platform, message_id, r["user"], r["reaction"], r["burst"], r["team"], r["arxiv_id"]])
        voters = {(r["team"], r["arxiv_id"], r["user"]) for r in rows}
        changed = 0
        for team, arxiv_id, user in sorted(voters):
            before, after = settle_vote(db, team=team, arxiv_id=arxiv_id, platform=platform, user=user)
            changed += before != after
    return changed


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
