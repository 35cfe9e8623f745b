"""The one reaction handler: every platform's reactions become votes here (and cleared reactions unvote).

The rule (storage/votes.py): a member's vote is derived from the vote reactions they still have.
"""

from __future__ import annotations

import logging

from bot import metrics
from bot.core.models import ReactionEvent
from handlers.deps import Deps
from storage import votes

log = logging.getLogger("paperbot.votes")


async def handle_reaction(ev: ReactionEvent, deps: Deps, *, bot_users: frozenset[str] = frozenset()) -> str:
    """Turn a reaction into a vote change; returns what happened (for logs and tests)."""
    if ev.user in bot_users:
        return "ignored: the bot's own reaction"
    kind = deps.vote_emoji(ev.platform).classify(ev.emoji)
    if kind is None:
        return "ignored: not a voting emoji"
    slot, value = kind
    change = await deps.store.call(votes.record_reaction, platform=ev.platform, message_id=ev.message_id,
                                   user=ev.user, reaction=ev.emoji, burst=ev.burst, slot=slot, value=value,
                                   added=ev.added)
    if change is None:
        return "ignored: no paper at that number" if slot != 0 else "ignored: not a paper message"
    outcome = "no change" if change.before == change.after else ("voted" if change.after else "unvoted")
    metrics.record_vote(ev.platform, outcome.replace(" ", "_"))
    # DEBUG: one line per reaction is thousands a day on a busy team (and a cost on the event loop).
    log.debug("reaction %s%s %s by %s on %s:%s -> %s %s (vote %+d -> %+d)", ev.emoji, " (super)" if ev.burst else "",
              "added" if ev.added else "removed", ev.user, ev.platform, ev.message_id, outcome, change.arxiv_id,
              change.before, change.after)
    return f"{outcome} {change.arxiv_id}"


async def clear_reactions(deps: Deps, *, platform: str, message_id: str, emoji: str | None = None) -> str:
    """Remove the vote reactions of a message (only `emoji`'s when given); votes through other messages stay."""
    if emoji is not None and deps.vote_emoji(platform).classify(emoji) is None:
        return "ignored: not a voting emoji"
    changed = await deps.store.call(votes.clear_reactions, platform=platform, message_id=message_id, emoji=emoji)
    log.info("reactions %s cleared on %s:%s -> %d vote(s) changed", emoji or "(all)", platform, message_id, changed)
    return f"changed {changed} vote(s)"
