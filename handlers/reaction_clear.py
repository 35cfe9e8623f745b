"""Reactions cleared from a message (all of them, or one emoji's): the votes they carried go, and only those.

BotService inherits `on_reaction_clear` from ReactionClearMixin; the Discord adapter calls it for
MESSAGE_REACTION_REMOVE_ALL / _EMOJI events.
"""

from __future__ import annotations

import logging

from bot.core.votes import classify
from handlers.deps import Deps
from handlers.votes import emoji_sets
from storage import reactions

log = logging.getLogger("paperbot.votes")


async def clear_reactions(deps: Deps, *, platform: str, message_id: str, emoji: str | None = None) -> str:
    """Remove the vote reactions of a message (only `emoji`'s when given); votes through other messages stay."""
    if emoji is not None:
        up, down = emoji_sets(deps, platform)
        if classify(emoji, up=up, down=down) is None:
            return "ignored: not a voting emoji"
    changed = await deps.store.call(reactions.clear_reactions, platform=platform, message_id=message_id, emoji=emoji)
    log.info("reactions %s cleared on %s:%s -> %d vote(s) changed", emoji or "(all)", platform, message_id, changed)
    return f"changed {changed} vote(s)"


class ReactionClearMixin:
    """Adds `on_reaction_clear` to BotService (which has `deps`)."""

    deps: Deps

    async def on_reaction_clear(self, platform: str, channel: str, message_id: str, *, emoji: str | None = None) -> str:
        """All reactions (emoji=None) or one emoji's reactions were removed from a message."""
        return await clear_reactions(self.deps, platform=platform, message_id=message_id, emoji=emoji)
