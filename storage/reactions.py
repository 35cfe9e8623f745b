"""Votes follow reactions: each vote reaction a member still has is stored; their vote is derived from them.

A member's vote on a paper (per platform) is the sign of their vote reactions on it: ups minus downs.
Two 👍-like reactions are +1 and removing one keeps it; 👍 and 👎 together cancel to 0 and removing
either brings the other's vote back. A Discord super reaction is one more reaction, never a cancel.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from bot.core.votes import normalize_emoji
from storage.db import utcnow
from storage.posts import paper_for_message
from storage.votes import LEGACY, settle_vote


@dataclass(frozen=True, slots=True)
class ReactionChange:
    """What one reaction did to a member's vote on a paper."""

    team: str
    arxiv_id: str
    before: int  # the member's vote before: -1, 0 or +1
    after: int


_KEY = "platform = ? AND message_id = ? AND user = ? AND reaction = ? AND burst = ? AND team = ? AND arxiv_id = ?"


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
