"""Posting a Thread to every running platform exactly once: the posts table is the truth, the platform the proof.

Each message is claimed in the posts table, sent with its PostMark, then recorded. A process killed
between "sent" and "recorded" leaves a claim whose holder is dead: the next run takes it over, asks the
platform whether the marked message is there (Chat.find) and records it, sending only what is missing.
One platform failing is reported and never stops the others.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from bot import metrics
from bot.config import TeamConfig
from bot.core.message import Message, Thread
from bot.ports import Platform, PostMark, UpstreamError
from bot.shutdown import ShuttingDown
from handlers.deps import Deps
from storage import posts
from storage.owners import new_owner

log = logging.getLogger("paperbot.publish")


@dataclass(frozen=True, slots=True)
class Failure:
    """A channel the thread could not (fully) be posted to, and why."""

    platform: str
    channel: str
    detail: str

    def __str__(self) -> str:
        return f"{self.platform.capitalize()} failed (channel {self.channel}): {self.detail}"


@dataclass
class PublishReport:
    """How many messages were posted and how many were already there (resumed runs)."""

    posted: int = 0
    skipped: int = 0
    targets: int = 0
    busy: int = 0  # claimed by another process that is posting them now
    recovered: int = 0  # found on the platform after a crash and recorded, not sent again
    failed: list[Failure] = field(default_factory=list)

    @property
    def failed_platforms(self) -> list[str]:
        """The platforms that failed, in order, each once."""
        return list(dict.fromkeys(f.platform for f in self.failed))


def log_failures(report: PublishReport | None, what: str) -> None:
    """Name, in the log, each platform a scheduled post failed on (the others were posted)."""
    for failure in report.failed if report else ():
        log.error("%s: %s; the next run posts what is missing", what, failure)


async def publish(thread: Thread, *, team: TeamConfig, deps: Deps) -> PublishReport:
    """Post the thread to each of the team's channels on every running platform, resuming where a run stopped.

    A platform that did not start is a stand-in whose posts fail with the reason: reported per channel.
    """
    report = PublishReport()
    owner = new_owner()
    for platform in deps.platforms.values():
        for channel in platform.channels(team):
            report.targets += 1
            before = replace(report)
            try:
                await _Poster(platform, channel, thread, team=team.name, deps=deps, report=report,
                              owner=owner).run()
            except ShuttingDown:
                raise
            except Exception as e:  # one platform's failure never stops the others' posts
                report.failed.append(Failure(platform.name, channel, str(e) or type(e).__name__))
                log.warning("%s %s for %s: %s", thread.kind, thread.period, team.name, report.failed[-1],
                          exc_info=not isinstance(e, UpstreamError))
            finally:  # posted and failed messages are counted as they happen, in _send
                metrics.record_post(platform.name, thread.kind, "skipped", report.skipped - before.skipped)
                metrics.record_post(platform.name, thread.kind, "busy", report.busy - before.busy)
                metrics.record_post(platform.name, thread.kind, "recovered", report.recovered - before.recovered)
    return report


@dataclass
class _Poster:
    """One thread to one channel: the parent, then each reply in its thread."""

    platform: Platform
    channel: str
    thread: Thread
    team: str
    deps: Deps
    report: PublishReport
    owner: str

    @property
    def where(self) -> dict[str, str]:
        return {"team": self.team, "kind": self.thread.kind, "period": self.thread.period,
                "platform": self.platform.name, "channel": self.channel}

    async def run(self) -> None:
        """Post what is missing of the thread."""
        parent = await self._once("parent", self.thread.parent, parent_id=None)
        if parent is None:
            # Another process (the bot, or a `paperbot daily` run) is posting this thread right now.
            log.warning("%s %s for %s on %s:%s is being posted by another process; leaving it to it",
                        self.thread.kind, self.thread.period, self.team, self.platform.name, self.channel)
            return
        for i, reply in enumerate(self.thread.replies):
            await self._once(reply.key or f"reply-{i}", reply, parent_id=parent)
        r = self.report
        log.info("published %s %s for %s to %s:%s (%d posted, %d already there, %d found after a crash)",
                 self.thread.kind, self.thread.period, self.team, self.platform.name, self.channel, r.posted,
                 r.skipped, r.recovered)

    async def _once(self, key: str, message: Message, *, parent_id: str | None) -> str | None:
        """Claim, (find,) send and record one message; its thread id, or None when another process has it."""
        claim = await self.deps.store.call(posts.claim_post, **self.where, key=key, owner=self.owner)
        if claim.state == "busy":
            self.report.busy += 1
            return None
        if claim.state == "posted":
            ref = await self.deps.store.call(posts.find_post, **self.where, key=key)
            assert ref is not None
            self.report.skipped += 1
            return ref.thread_id or ref.message_ids[0]
        mark = PostMark(self.team, self.thread.kind, self.thread.period, key)
        have: Sequence[str] = ()
        if claim.state == "resume":  # a holder died or gave up mid-send: some of it may be out already
            have = await self._send(key, self._find(mark, parent_id, claim.since), resumed=True)
        ids = await self._send(key, self._post(message, mark, parent_id, have), resumed=claim.state == "resume")
        thread_id = parent_id or ids[0]
        # Shielded: a cancellation after the send still lets the record reach the database.
        await asyncio.shield(self.deps.store.call(posts.record_post, **self.where, key=key, message_ids=ids,
                                                  thread_id=thread_id, papers=message.papers))
        if have and len(have) == len(ids):
            self.report.recovered += 1
            log.warning("%s of %s %s was already on %s:%s (a run stopped before recording it): recorded, not sent "
                     "again", key, self.thread.kind, self.thread.period, self.platform.name, self.channel)
        else:
            self.report.posted += 1
            metrics.record_post(self.platform.name, self.thread.kind, "posted")
        return thread_id

    async def _find(self, mark: PostMark, parent_id: str | None, since: str) -> list[str]:
        when = datetime.fromisoformat(since) if since else None
        return await self.platform.chat.find(self.channel, mark, parent_id=parent_id, since=when)

    async def _post(self, message: Message, mark: PostMark, parent_id: str | None, have: Sequence[str]) -> list[str]:
        if parent_id is None:
            return await self.platform.chat.post(self.channel, message, mark=mark, have=have)
        return await self.platform.chat.reply(self.channel, parent_id, message, thread_name=self.thread.name, mark=mark,
                                     have=have)

    async def _send(self, key: str, sending: Awaitable[list[str]], *, resumed: bool) -> list[str]:
        """Await a platform call; if it fails, give the claim up so the next run (or attempt) takes it over.

        Once the bot is stopping (the gate is closed) nothing more is sent: the job stops at this boundary.
        """
        where = {**self.where, "key": key}
        try:
            if self.deps.gate.closed:
                getattr(sending, "close", lambda: None)()  # the coroutine never started: nothing was sent
            self.deps.gate.check()  # stopping: the job ends here, at a message boundary
            ids = await sending
        except ShuttingDown:
            await self.deps.store.call(posts.release_post, **where, maybe_sent=resumed)
            raise
        except BaseException:
            if not self.deps.gate.closed:
                metrics.record_post(self.platform.name, self.thread.kind, "failed")
            await self.deps.store.call(posts.release_post, **where, maybe_sent=True)
            raise
        return ids
