"""The one reaction handler: every platform's reactions become votes here."""

from __future__ import annotations

import logging

from bot import metrics
from bot.core.models import ReactionEvent
from bot.core.votes import classify
from handlers.deps import Deps
from storage import posts, votes

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
