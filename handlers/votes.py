"""The one reaction handler: every platform's reactions become votes here (the rule: storage/reactions.py)."""

from __future__ import annotations

import logging

from bot.core.models import ReactionEvent
from bot.core.votes import classify
from handlers.deps import Deps
from storage import reactions

log = logging.getLogger("paperbot.votes")


def emoji_sets(deps: Deps, platform: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The (up, down) voting emoji configured for a platform."""
    if platform == "slack":
        return deps.config.slack.up_emoji, deps.config.slack.down_emoji
    if platform == "discord":
        return deps.config.discord.up_emoji, deps.config.discord.down_emoji
    return ("+1", "👍", "thumbsup", "up"), ("-1", "👎", "thumbsdown", "down")


async def handle_reaction(ev: ReactionEvent, deps: Deps, *, bot_users: frozenset[str] = frozenset()) -> str:
    """Turn a reaction into a vote change; returns what happened (for logs and tests)."""
    if ev.user in bot_users:
        return "ignored: the bot's own reaction"
    up, down = emoji_sets(deps, ev.platform)
    kind = classify(ev.emoji, up=up, down=down)
    if kind is None:
        return "ignored: not a voting emoji"
    slot, value = kind
    change = await deps.store.call(reactions.record_reaction, platform=ev.platform, message_id=ev.message_id,
                                   user=ev.user, reaction=ev.emoji, burst=ev.burst, slot=slot, value=value,
                                   added=ev.added)
    if change is None:
        return "ignored: no paper at that number" if slot != 0 else "ignored: not a paper message"
    outcome = "no change" if change.before == change.after else ("voted" if change.after else "unvoted")
    # DEBUG: one line per reaction is thousands a day on a busy team (and a cost on the event loop).
    log.debug("reaction %s%s %s by %s on %s:%s -> %s %s (vote %+d -> %+d)", ev.emoji, " (super)" if ev.burst else "",
             "added" if ev.added else "removed", ev.user, ev.platform, ev.message_id, outcome, change.arxiv_id,
             change.before, change.after)
    return f"{outcome} {change.arxiv_id}"
