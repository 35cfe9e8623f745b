"""Reactions cleared from a message (all of them, or one emoji's): the votes they carried go.

BotService inherits `on_reaction_clear` from ReactionClearMixin; the Discord adapter calls it for
MESSAGE_REACTION_REMOVE_ALL / _EMOJI events.
"""

from __future__ import annotations

import logging

from bot.core.votes import classify
from handlers.deps import Deps
from handlers.votes import emoji_sets
from storage import vote_bulk

log = logging.getLogger("paperbot.votes")


async def clear_reactions(deps: Deps, *, platform: str, message_id: str, emoji: str | None = None) -> str:
    """Remove everyone's votes given through a message's reactions (only `emoji`'s when given)."""
    slot: int | None = None
    value: int | None = None
    if emoji is not None:
        up, down = emoji_sets(deps, platform)
        kind = classify(emoji, up=up, down=down)
        if kind is None:
            return "ignored: not a voting emoji"
        slot, value = kind
    removed = await deps.store.call(vote_bulk.remove_votes_for_message, platform=platform, message_id=message_id,
                                    slot=slot, value=value)
    log.info("reactions %s cleared on %s:%s -> %d vote(s) removed", emoji or "(all)", platform, message_id, removed)
    return f"removed {removed} vote(s)"


class ReactionClearMixin:
    """Adds `on_reaction_clear` to BotService (which has `deps`)."""

    deps: Deps

    async def on_reaction_clear(self, platform: str, channel: str, message_id: str, *, emoji: str | None = None) -> str:
        """All reactions (emoji=None) or one emoji's reactions were removed from a message."""
        return await clear_reactions(self.deps, platform=platform, message_id=message_id, emoji=emoji)
