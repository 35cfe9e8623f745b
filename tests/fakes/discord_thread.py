"""The fake Discord served from its own thread and event loop, for tests that run paperbot as a subprocess."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import TypeVar

from tests.fakes.discord_api import FakeDiscord

T = TypeVar("T")


class ThreadedDiscord:
    """A FakeDiscord served from its own thread and loop, for tests that run paperbot as a subprocess."""

    def __init__(self) -> None:
        self.fake = FakeDiscord()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fake-discord", daemon=True)

    def __enter__(self) -> ThreadedDiscord:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.fake.start(), self._loop).result(10)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.fake.stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def call(self, fn: Callable[[FakeDiscord], T]) -> T:
        """Run `fn(fake)` on the fake's loop (a consistent view of its state) and return the result."""

        async def run() -> T:
            return fn(self.fake)

        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(10)
