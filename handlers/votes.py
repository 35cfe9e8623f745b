"""The one reaction handler: every platform's reactions become votes here (and cleared reactions unvote)."""

from __future__ import annotations

import logging

from bot import metrics
from bot.core.models import ReactionEvent
from handlers.deps import Deps
from storage import posts, votes

log = logging.getLogger("paperbot.votes")


async def handle_reaction(ev: ReactionEvent, deps: Deps, *, bot_users: frozenset[str] = frozenset()) -> str:
    """Turn a reaction into a vote change; returns what happened (for logs and tests)."""
    if ev.user in bot_users:
        return "ignored: the bot's own reaction"
    kind = deps.vote_emoji(ev.platform).classify(ev.emoji)
    if kind is None:
        return "ignored: not a voting emoji"
    slot, value = kind
    target = await deps.store.call(posts.paper_for_message, platform=ev.platform, message_id=ev.message_id, slot=slot)
    if target is None and slot != 0:
        return "ignored: no paper at that number"
    if target is None:
        return "ignored: not a paper message"
    team, arxiv_id = target
    if ev.added:
        changed = await deps.store.call(votes.set_vote, team=team, arxiv_id=arxiv_id, platform=ev.platform,
                                        user=ev.user, value=value)
    else:
        changed = await deps.store.call(votes.remove_vote, team=team, arxiv_id=arxiv_id, platform=ev.platform,
                                        user=ev.user, value=value)
    outcome = ("voted" if ev.added else "unvoted") if changed else "no change"
    metrics.record_vote(ev.platform, outcome.replace(" ", "_"))
    log.info("reaction %s by %s on %s:%s -> %s %s", ev.emoji, ev.user, ev.platform, ev.message_id, outcome, arxiv_id)
    return f"{outcome} {arxiv_id}"


async def clear_reactions(deps: Deps, *, platform: str, message_id: str, emoji: str | None = None) -> str:
    """Remove everyone's votes given through a message's reactions (only `emoji`'s when given)."""
    slot: int | None = None
    value: int | None = None
    if emoji is not None:
        kind = deps.vote_emoji(platform).classify(emoji)
        if kind is None:
            return "ignored: not a voting emoji"
        slot, value = kind
    removed = await deps.store.call(votes.remove_votes_for_message, platform=platform, message_id=message_id,
                                    slot=slot, value=value)
    log.info("reactions %s cleared on %s:%s -> %d vote(s) removed", emoji or "(all)", platform, message_id, removed)
    return f"removed {removed} vote(s)"
