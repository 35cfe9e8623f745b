"""Posting to Slack: the Web API client (with retries), the Chat port, and `paperbot doctor`'s check."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

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
from bot.platforms.slack.render import render_message
from bot.ports import UpstreamError

log = logging.getLogger("paperbot.slack")

# What a failed Web API call can raise once slack_sdk's retry handlers have given up.
SLACK_ERRORS = (SlackApiError, SlackClientError, aiohttp.ClientError, asyncio.TimeoutError)


def build_client(config: SlackConfig, *, token: str | None = None, rate_limit_retries: int = 5,
                 server_error_retries: int = 2, backoff_s: float = 0.5, timeout_s: int = 30) -> AsyncWebClient:
    """An AsyncWebClient aimed at `[slack] api_url` that waits out 429s (Retry-After) and retries 5xx."""
    backoff = BackoffRetryIntervalCalculator(backoff_factor=backoff_s)
    base_url = config.api_url if config.api_url.endswith("/") else config.api_url + "/"
    return AsyncWebClient(
        token=config.bot_token if token is None else token,
        base_url=base_url,
        timeout=timeout_s,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=2, interval_calculator=backoff),
            AsyncRateLimitErrorRetryHandler(max_retry_count=rate_limit_retries),
            AsyncServerErrorRetryHandler(max_retry_count=server_error_retries, interval_calculator=backoff),
        ],
    )


def describe(e: BaseException) -> str:
    """A short, secret-free description of a Slack failure."""
    if isinstance(e, SlackApiError):
        status = getattr(e.response, "status_code", "?")
        error = e.response.get("error") if isinstance(e.response.data, dict) else None
        return f"HTTP {status} {error or ''}".strip()
    return type(e).__name__ + (f": {e}" if str(e) else "")


class SlackChat:
    """The Chat port on Slack: posts rendered Block Kit, returns every message ts, raises when Slack fails."""

    platform = "slack"

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def post(self, channel: str, message: Message) -> list[str]:
        """Post to a channel; a long message becomes several posts, all their ts returned in order."""
        return await self._send(channel, message, thread_ts=None)

    async def reply(self, channel: str, parent_id: str, message: Message, *, thread_name: str = "") -> list[str]:
        """Post in the thread of `parent_id` (Slack threads have no names)."""
        return await self._send(channel, message, thread_ts=parent_id)

    async def _send(self, channel: str, message: Message, *, thread_ts: str | None) -> list[str]:
        posted: list[str] = []
        try:
            for part in render_message(message, votable=True):
                resp = await self.client.chat_postMessage(
                    channel=channel, text=part.text, blocks=part.blocks, thread_ts=thread_ts,
                    unfurl_links=False, unfurl_media=False)
                posted.append(str(resp["ts"]))
        except SLACK_ERRORS as e:
            await self._withdraw(channel, posted)
            raise UpstreamError("Slack", f"chat.postMessage to {channel} failed: {describe(e)}") from e
        if message.image is not None:
            await self.upload(channel, message.image, thread_ts=thread_ts)
        return posted

    async def _withdraw(self, channel: str, posted: list[str]) -> None:
        # Half of a split message would be posted again in full on the next run: take it back.
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
