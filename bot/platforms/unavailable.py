"""A platform that could not be started: it stays in the run, and every post to it fails saying why.

One platform failing (a rejected token, an outage at start) must not stop the others' posts: the run goes
on with this stand-in, the publisher reports the failure per channel, and teams without a channel on that
platform never notice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.core.message import Message
from bot.platforms.registry import ChatPlatform
from bot.ports import PostMark, UpstreamError


class UnavailableChat:
    """The Chat port of a platform that failed to start."""

    def __init__(self, platform: str, error: BaseException) -> None:
        self.platform = platform
        self.service = platform.capitalize()  # "Slack", "Discord": how UpstreamError names a service
        self.detail = error.detail if isinstance(error, UpstreamError) else (str(error) or type(error).__name__)

    def _fail(self) -> UpstreamError:
        return UpstreamError(self.service, f"not connected: {self.detail}")

    async def post(self, channel: str, message: Message, *, mark: PostMark | None = None,
                   have: Sequence[str] = ()) -> list[str]:
        """Fail: the platform is not connected."""
        raise self._fail()

    async def reply(self, channel: str, parent_id: str, message: Message, *, thread_name: str = "",
                    mark: PostMark | None = None, have: Sequence[str] = ()) -> list[str]:
        """Fail: the platform is not connected."""
        raise self._fail()

    async def find(self, channel: str, mark: PostMark, *, parent_id: str | None = None,
                   since: datetime | None = None) -> list[str]:
        """Fail: the platform is not connected."""
        raise self._fail()


@dataclass
class UnavailablePlatform(ChatPlatform):
    """Stands in for a platform that did not start: same name and channels, posts fail, never connected."""

    def connected(self) -> bool:
        """Down until the bot is restarted (/healthz says so)."""
        return False

