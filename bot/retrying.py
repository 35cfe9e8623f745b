"""Bounded retries with exponential backoff and jitter (tenacity), for our own calls to outside services.

The SDKs retry what they can safely repeat themselves (slack_sdk's RetryHandlers, discord.py's 5xx loop,
the openai client). This covers the rest: arXiv requests made through `requests`, and posts, which are
repeated only in a way that cannot post twice (Discord's enforced nonce; a look-up of Slack's message
metadata before each new attempt).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

log = logging.getLogger("paperbot.retry")

Hint = Callable[[BaseException], "float | None"]


def _describe(e: BaseException | None) -> str:
    return (type(e).__name__ + (f": {e}" if str(e) else "")) if e is not None else "?"


def retrying(*, service: str, what: str, transient: Callable[[BaseException], bool], attempts: int = 4,
             initial_s: float = 0.5, max_s: float = 8.0, hint: Hint | None = None,
             sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
             describe: Callable[[BaseException], str] | None = None) -> AsyncRetrying:
    """Up to `attempts` tries while the error is `transient`, waiting initial_s·2ⁿ (+ jitter, ≤ max_s) or the
    server's hint (Retry-After) between them; the last error is re-raised as it is."""
    backoff = wait_exponential_jitter(multiplier=initial_s, max=max_s, jitter=initial_s)

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        told = hint(exc) if hint and exc is not None else None
        return told if told is not None else backoff(state)

    def before_sleep(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        delay = state.next_action.sleep if state.next_action else 0.0
        text = describe(exc) if describe and exc is not None else _describe(exc)
        log.warning("%s: %s (%s); retry %d of %d in %.1fs", service, text, what, state.attempt_number,
                    attempts - 1, delay)

    return AsyncRetrying(stop=stop_after_attempt(attempts), wait=wait, retry=retry_if_exception(transient),
                         before_sleep=before_sleep, sleep=sleep, reraise=True)
