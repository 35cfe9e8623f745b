"""arXiv's politeness rules as code: one request at a time, `min_interval_s` apart, bounded patient retries."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from email.utils import parsedate_to_datetime
from typing import TypeVar

from bot.ports import UpstreamError
from bot.retrying import retrying

log = logging.getLogger(__name__)

MAX_RETRY_AFTER_S = 120.0  # a longer Retry-After is not worth waiting for inside one command
T = TypeVar("T")


class Transient(Exception):
    """A failure worth retrying (429/5xx, connection error), with the server's Retry-After if any."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason, self.retry_after = reason, retry_after


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date), None if absent or unreadable."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


class Throttle:
    """A single lock plus a monotonic "not before" time, shared by every arXiv request (API, RSS, HTML).

    The lock is held for the whole request, so at most one connection is open; the next request
    may start only `min_interval_s` after the previous one *finished* (stricter than start-to-start,
    and it also covers the extra pages the arxiv client may fetch inside one call).
    """

    def __init__(self, min_interval_s: float = 3.0) -> None:
        self.min_interval_s = min_interval_s
        self._not_before = 0.0
        self._lock: asyncio.Lock | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _current_lock(self) -> asyncio.Lock:
        # An asyncio.Lock belongs to one event loop; a CLI may run several loops one after the
        # other (asyncio.run per command), so make a fresh lock when the loop changes.
        loop = asyncio.get_running_loop()
        if self._lock is None or self._loop is not loop:
            self._lock, self._loop = asyncio.Lock(), loop
        return self._lock

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Wait for our turn, hold it while the request runs, then start the quiet interval."""
        async with self._current_lock():
            delay = self._not_before - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            try:
                yield
            finally:
                self.hold_off(self.min_interval_s)

    def hold_off(self, seconds: float) -> None:
        """Let no request start for `seconds` from now (Retry-After, backoff, abandoned requests)."""
        self._not_before = max(self._not_before, time.monotonic() + seconds)

    async def call(self, blocking: Callable[[], T], *, what: str, timeout_s: float, max_retries: int) -> T:
        """Run a blocking request in a worker thread, in our slot, retrying (tenacity) when it raises Transient.

        Between attempts it waits Retry-After when the server gives one, else min_interval_s·2ⁿ with jitter
        (the wait is a hold-off of the whole throttle, so no other arXiv request starts meanwhile); raises
        UpstreamError("arXiv", …) naming `what` when retries run out or Retry-After is longer than worth waiting.
        """
        attempts = max_retries + 1
        try:
            async for attempt in retrying(
                    service="arXiv", what=what, attempts=attempts, initial_s=max(self.min_interval_s, 0.01),
                    max_s=MAX_RETRY_AFTER_S, hint=_retry_after, sleep=self._hold,
                    transient=lambda e: isinstance(e, Transient) and (e.retry_after or 0) <= MAX_RETRY_AFTER_S):
                with attempt:
                    async with self.slot():
                        try:
                            # The request's own timeout normally fires first; this deadline is the backstop.
                            return await asyncio.wait_for(asyncio.to_thread(blocking), timeout=timeout_s + 1)
                        except TimeoutError:
                            # The abandoned thread may still hold a connection: keep the next one off it.
                            self.hold_off(timeout_s)
                            raise Transient(f"no answer within {timeout_s:g}s") from None
        except Transient as exc:
            tried = attempt.retry_state.attempt_number
            gave_up = f" (after {tried} attempts)" if tried > 1 else ""
            raise UpstreamError("arXiv", f"{exc.reason} from {what}{gave_up}", retry_after=exc.retry_after) from None
        raise AssertionError("unreachable: retrying() re-raises the last error")

    async def _hold(self, seconds: float) -> None:
        """tenacity's sleep: hold the whole throttle off, so the next attempt (or any request) waits its turn."""
        self.hold_off(seconds)


def _retry_after(exc: BaseException) -> float | None:
    return exc.retry_after if isinstance(exc, Transient) else None
