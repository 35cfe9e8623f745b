"""Posting a Thread to every configured chat exactly once: the posts table is the truth."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from dataclasses import dataclass, replace

from bot import metrics
from bot.config import TeamConfig
from bot.core.message import Thread
from bot.ports import Platform
from handlers.deps import Deps
from storage import posts

log = logging.getLogger("paperbot.publish")


@dataclass
class PublishReport:
    """How many messages were posted and how many were already there (resumed runs)."""

    posted: int = 0
    skipped: int = 0
    targets: int = 0
    busy: int = 0  # claimed by another process that is posting them now


async def publish(thread: Thread, *, team: TeamConfig, deps: Deps) -> PublishReport:
    """Post the thread to each of the team's channels on every running platform, resuming where a run stopped."""
    report = PublishReport()
    for platform in deps.platforms.values():
        for channel in platform.channels(team):
            report.targets += 1
            before = replace(report)
            try:
                await _publish_one(platform, channel, thread, team=team.name, deps=deps, report=report)
            finally:  # posted and failed messages are counted as they happen, in _send
                metrics.record_post(platform.name, thread.kind, "skipped", report.skipped - before.skipped)
                metrics.record_post(platform.name, thread.kind, "busy", report.busy - before.busy)
    return report


async def _publish_one(platform: Platform, channel: str, thread: Thread, *, team: str, deps: Deps,
                       report: PublishReport) -> None:
    chat = platform.chat
    where = {"team": team, "kind": thread.kind, "period": thread.period, "platform": platform.name,
             "channel": channel}
    state = await deps.store.call(posts.claim_post, **where, key="parent")
    if state == "busy":
        # Another process (the bot, or a `paperbot daily` run) is posting this thread right now.
        log.warning("%s %s for %s on %s:%s is being posted by another process; leaving it to it",
                    thread.kind, thread.period, team, platform.name, channel)
        report.busy += 1
        return
    if state == "claimed":
        ids = await _send(deps, where, "parent", chat.post(channel, thread.parent))
        # Shielded: a cancellation after the send still lets the record reach the database.
        await asyncio.shield(deps.store.call(posts.record_post, **where, key="parent", message_ids=ids,
                                             thread_id=ids[0], papers=thread.parent.papers))
        parent_id = ids[0]
        report.posted += 1
    else:
        parent = await deps.store.call(posts.find_post, **where, key="parent")
        assert parent is not None
        parent_id = parent.thread_id or parent.message_ids[0]
        report.skipped += 1
    for i, reply in enumerate(thread.replies):
        key = reply.key or f"reply-{i}"
        state = await deps.store.call(posts.claim_post, **where, key=key)
        if state != "claimed":
            report.skipped += state == "posted"
            report.busy += state == "busy"
            continue
        ids = await _send(deps, where, key, chat.reply(channel, parent_id, reply, thread_name=thread.name))
        # Recorded right after each post: a crash between two replies resumes at the next one.
        await asyncio.shield(deps.store.call(posts.record_post, **where, key=key, message_ids=ids,
                                             thread_id=parent_id, papers=reply.papers))
        report.posted += 1
    log.info("published %s %s for %s to %s:%s (%d posted, %d already there)", thread.kind, thread.period, team,
             platform.name, channel, report.posted, report.skipped)


async def _send(deps: Deps, where: dict[str, str], key: str, sending: Awaitable[list[str]]) -> list[str]:
    """Await a post; if it fails, give the claim back so the next run retries it at once.

    Once the bot is stopping (the gate is closed) nothing more is sent: the job stops at this boundary.
    """
    try:
        if deps.gate.closed:
            getattr(sending, "close", lambda: None)()  # the coroutine never started: nothing was sent
        deps.gate.check()  # stopping: the job ends here, at a message boundary
        ids = await sending
    except BaseException:
        if not deps.gate.closed:
            metrics.record_post(where["platform"], where["kind"], "failed")
        await deps.store.call(posts.release_post, **where, key=key)
        raise
    metrics.record_post(where["platform"], where["kind"], "posted")
    return ids
