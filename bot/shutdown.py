"""Graceful stop: a running job finishes within a grace period, else stops before its next message.

Posting is a sequence of claim -> send -> record per message (handlers/publish.py). A SIGTERM must not
cut one of them between "sent" and "recorded": the gate lets the running jobs go on for `grace_s`, then
closes, and publish checks it before each send, so a job stops at a message boundary with every message
it sent recorded. Only a job that reaches no boundary within a further bound is cancelled.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger("paperbot.shutdown")


class ShuttingDown(Exception):
    """Raised before a message is sent once the bot is stopping; the next run posts the rest."""


class PostGate:
    """Open while the bot runs; drain() waits for the running jobs and closes it."""

    def __init__(self) -> None:
        self.closed = False
        self._jobs: set[asyncio.Task] = set()

    def check(self) -> None:
        """Called before each send: raise ShuttingDown once the gate is closed."""
        if self.closed:
            raise ShuttingDown("the bot is stopping; the rest is posted at the next start")

    @contextmanager
    def job(self) -> Iterator[None]:
        """Mark the current task as a job drain() lets finish."""
        task = asyncio.current_task()
        if task is not None:
            self._jobs.add(task)
        try:
            yield
        finally:
            self._jobs.discard(task)  # type: ignore[arg-type]

    @property
    def running(self) -> int:
        """How many jobs are running now."""
        return sum(not t.done() for t in self._jobs)

    async def drain(self, grace_s: float, *, last_message_s: float = 10.0) -> int:
        """Let running jobs finish for grace_s; then close and give them last_message_s to reach a boundary.

        Returns how many jobs had to be cancelled at the end (0 when every job finished or stopped cleanly).
        """
        jobs = {t for t in self._jobs if not t.done()}
        if jobs:
            log.info("stopping: waiting up to %gs for %d running job(s) to finish", grace_s, len(jobs))
            await asyncio.wait(jobs, timeout=grace_s)
        self.closed = True
        jobs = {t for t in self._jobs if not t.done()}
        if not jobs:
            return 0
        log.warning("stopping: %d job(s) still running after %gs; they stop before their next message",
                    len(jobs), grace_s)
        _, pending = await asyncio.wait(jobs, timeout=last_message_s)
        for t in pending:
            log.error("stopping: a job reached no message boundary within %gs and is cancelled; the next "
                      "start finds what it left", last_message_s)
            t.cancel()
        await asyncio.gather(*jobs, return_exceptions=True)
        return len(pending)
