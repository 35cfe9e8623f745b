"""Posting to Slack: the Web API client (with retries), the Chat port, and `paperbot doctor`'s check."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import SlackConfig
from bot.core.message import Attachment, Image, Message
from bot.platforms.slack.marks import find_parts, has_file, metadata
from bot.platforms.slack.render import SlackMessage, render_message
from bot.ports import PostMark, UpstreamError
from bot.retrying import retrying

log = logging.getLogger("paperbot.slack")

# What a failed Web API call can raise once slack_sdk's retry handlers have given up.
SLACK_ERRORS = (SlackApiError, SlackClientError, aiohttp.ClientError, asyncio.TimeoutError)


def build_client(config: SlackConfig, *, token: str | None = None, rate_limit_retries: int = 6,
                 server_error_retries: int = 4, connection_retries: int = 4, backoff_s: float = 0.5,
                 timeout_s: int = 30) -> AsyncWebClient:
    """An AsyncWebClient aimed at `[slack] api_url` that waits out 429s (Retry-After) and retries 500/503 and
    dropped connections with exponential backoff (slack_sdk's RetryHandlers; they share one attempt count)."""
    backoff = BackoffRetryIntervalCalculator(backoff_factor=backoff_s)
    base_url = config.api_url if config.api_url.endswith("/") else config.api_url + "/"
    return AsyncWebClient(
        token=config.bot_token if token is None else token,
        base_url=base_url,
        timeout=timeout_s,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=connection_retries, interval_calculator=backoff),
            AsyncRateLimitErrorRetryHandler(max_retry_count=rate_limit_retries),
            AsyncServerErrorRetryHandler(max_retry_count=server_error_retries, interval_calculator=backoff),
        ],
    )


def _posting_client(client: AsyncWebClient) -> AsyncWebClient:
    """The same client, retrying only 429s: a 5xx or a reset may come after Slack posted the message, so a
    marked post is retried by SlackChat, which looks it up first."""
    only_429 = [h for h in client.retry_handlers if isinstance(h, AsyncRateLimitErrorRetryHandler)]
    return AsyncWebClient(token=client.token, base_url=client.base_url, timeout=client.timeout,
                          session=client.session, headers=client.headers, retry_handlers=only_429)


def _backoff_of(client: AsyncWebClient) -> float:
    """The client's backoff factor, so SlackChat's own retries pace like the client's."""
    for h in client.retry_handlers:
        if isinstance(getattr(h, "interval_calculator", None), BackoffRetryIntervalCalculator):
            return h.interval_calculator.backoff_factor  # type: ignore[attr-defined]
    return 0.5


def transient(e: BaseException) -> bool:
    """A failure worth another attempt: Slack 5xx, a dropped or refused connection, a timeout."""
    if isinstance(e, SlackApiError):
        return getattr(e.response, "status_code", 0) >= 500
    return isinstance(e, aiohttp.ClientConnectionError | asyncio.TimeoutError)


def describe(e: BaseException) -> str:
    """A short, secret-free description of a Slack failure."""
    if isinstance(e, SlackApiError):
        status = getattr(e.response, "status_code", "?")
        error = e.response.get("error") if isinstance(e.response.data, dict) else None
        return f"HTTP {status} {error or ''}".strip()
    return type(e).__name__ + (f": {e}" if str(e) else "")


class SlackChat:
    """The Chat port on Slack: posts rendered Block Kit, returns every message ts, raises when Slack fails.

    Marked posts carry their PostMark as message metadata (bot.platforms.slack.marks): `find` reads it back,
    and a failed attempt is retried only after looking the message up, so a retry never posts twice.
    """

    platform = "slack"

    def __init__(self, client: AsyncWebClient, *, attempts: int = 4) -> None:
        self.client = client
        self._poster = _posting_client(client)
        self.attempts = attempts
        self.retry_s = _backoff_of(client)

    async def post(self, channel: str, message: Message, *, mark: PostMark | None = None,
                   have: Sequence[str] = ()) -> list[str]:
        """Post to a channel; a long message becomes several posts, all their ts returned in order."""
        return await self._send(channel, message, thread_ts=None, mark=mark, have=have)

    async def reply(self, channel: str, parent_id: str, message: Message, *, thread_name: str = "",
                    mark: PostMark | None = None, have: Sequence[str] = ()) -> list[str]:
        """Post in the thread of `parent_id` (Slack threads have no names)."""
        return await self._send(channel, message, thread_ts=parent_id, mark=mark, have=have)

    async def find(self, channel: str, mark: PostMark, *, parent_id: str | None = None,
                   since: datetime | None = None) -> list[str]:
        """The ts of the parts of a marked post already in the channel (or the thread of parent_id)."""
        try:
            return await find_parts(self.client, channel, mark, thread_ts=parent_id, since=since)
        except SLACK_ERRORS as e:
            method = "conversations.replies" if parent_id else "conversations.history"
            raise UpstreamError("Slack", f"{method} of {channel} failed: {describe(e)}") from e

    async def _send(self, channel: str, message: Message, *, thread_ts: str | None, mark: PostMark | None,
                    have: Sequence[str]) -> list[str]:
        parts = render_message(message, votable=True)
        posted = list(have[: len(parts)])
        try:
            for i in range(len(posted), len(parts)):
                posted.append(await self._post_part(channel, parts[i], thread_ts=thread_ts, mark=mark, part=i,
                                                    parts=len(parts)))
            # Resumed after a crash: the chart may have been shared after the parts (the ts of part 0 is its time).
            shared = message.image is not None and bool(have) and await has_file(
                self.client, channel, message.image.filename, thread_ts=thread_ts,
                since=datetime.fromtimestamp(float(have[0]), UTC))
        except SLACK_ERRORS as e:
            if mark is None:
                await self._withdraw(channel, posted)
            # A marked post keeps what got out: the next attempt finds it and sends only the rest.
            raise UpstreamError("Slack", f"chat.postMessage to {channel} failed: {describe(e)}") from e
        if message.image is not None and not shared:
            await self.upload(channel, message.image, thread_ts=thread_ts)
        return posted

    async def _post_part(self, channel: str, body: SlackMessage, *, thread_ts: str | None, mark: PostMark | None,
                         part: int, parts: int) -> str:
        kwargs: dict[str, Any] = {"channel": channel, "text": body.text, "blocks": body.blocks,
                                  "thread_ts": thread_ts, "unfurl_links": False, "unfurl_media": False}
        if mark is None:
            return str((await self.client.chat_postMessage(**kwargs))["ts"])
        since = _recently()
        async for attempt in retrying(service="Slack", what=f"chat.postMessage to {channel}", transient=transient,
                                      attempts=self.attempts, initial_s=self.retry_s, describe=describe):
            with attempt:
                if attempt.retry_state.attempt_number > 1:  # the failed attempt may have reached Slack
                    found = await find_parts(self.client, channel, mark, thread_ts=thread_ts, since=since)
                    if len(found) > part:
                        return found[part]
                resp = await self._poster.chat_postMessage(**kwargs, metadata=metadata(mark, part, parts))
                return str(resp["ts"])
        raise AssertionError("unreachable: retrying() re-raises the last error")

    async def _withdraw(self, channel: str, posted: list[str]) -> None:
        # Half of an unmarked split message would be posted again in full: take it back.
        for ts in posted:
            try:
                await self.client.chat_delete(channel=channel, ts=ts)
            except SLACK_ERRORS as e:
                log.warning("could not delete partial post %s in %s: %s", ts, channel, describe(e))

    async def upload(self, channel: str, image: Image | Attachment, *, thread_ts: str | None = None) -> bool:
        """Upload an image (the weekly chart) or a file (an export) to the channel or thread (files upload v2:
        getUploadURLExternal, the bytes, completeUploadExternal); a failure is logged, never raised."""
        extra = {"alt_txt": image.alt} if isinstance(image, Image) else {}
        title = image.alt if isinstance(image, Image) else image.title
        try:
            await self.client.files_upload_v2(channel=channel, thread_ts=thread_ts, file=image.data,
                                              filename=image.filename, title=title, **extra)
            return True
        except SLACK_ERRORS as e:
            log.warning("file %s not uploaded to %s: %s", image.filename, channel, describe(e))
            return False

    async def direct_channel(self, user: str) -> str | None:
        """The id of the bot's direct-message channel with a user (conversations.open), None if Slack refuses."""
        try:
            resp = await self.client.conversations_open(users=user)
            return str((resp.get("channel") or {}).get("id") or "") or None
        except SLACK_ERRORS as e:
            log.warning("cannot open a direct message with %s: %s", user, describe(e))
            return None


def _recently() -> datetime:
    """Where a search for what this attempt may have posted starts."""
    return datetime.now(UTC) - timedelta(minutes=1)


async def _noop() -> None:
    return None


async def open_slack_chat(config: SlackConfig) -> tuple[SlackChat, Callable[[], Awaitable[None]]]:
    """A post-only Slack chat for one-shot CLI runs, and the coroutine that closes it."""
    # slack_sdk opens a session per call when none is given, so there is nothing to close.
    return SlackChat(build_client(config)), _noop


async def check_slack(config: SlackConfig) -> tuple[bool, str]:
    """`paperbot doctor`: is the bot token valid, and does the chosen mode have what it needs?"""
    client = build_client(config, rate_limit_retries=1, server_error_retries=0)
    try:
        auth = await client.auth_test()
    except SLACK_ERRORS as e:
        return False, f"SLACK_BOT_TOKEN rejected by {config.api_url} ({describe(e)})"
    who = f"bot @{auth.get('user')} ({auth.get('user_id')}) in {auth.get('team')}"
    if config.mode == "socket":
        if not config.app_token:
            return False, f"{who}; socket mode needs SLACK_APP_TOKEN (xapp-…, scope connections:write)"
        try:
            await client.apps_connections_open(app_token=config.app_token)
        except SLACK_ERRORS as e:
            return False, f"{who}; SLACK_APP_TOKEN rejected ({describe(e)})"
        return True, f"{who}; socket mode, app token ok"
    if not config.signing_secret:
        return False, f"{who}; HTTP mode needs SLACK_SIGNING_SECRET"
    return True, f"{who}; HTTP mode on port {config.port} (POST /slack/events)"
