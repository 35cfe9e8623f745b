"""Post marks on Slack: message metadata on chat.postMessage, read back with conversations.history/replies.

Every part of a digest or weekly post carries `metadata = {"event_type": "paperbot_post", "event_payload":
{team, kind, period, key, part, parts}}`. After a crash the bot reads the channel (or the thread) since the
post was first claimed, with `include_all_metadata`, and finds which parts Slack already has.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.ports import PostMark

EVENT_TYPE = "paperbot_post"
CLOCK_SLACK = timedelta(minutes=2)  # our clock and Slack's may differ: search a little earlier
PAGE = 200


def metadata(mark: PostMark, part: int, parts: int) -> dict[str, Any]:
    """The `metadata` argument of chat.postMessage for part `part` of `parts` of a marked post."""
    return {"event_type": EVENT_TYPE,
            "event_payload": {"team": mark.team, "kind": mark.kind, "period": mark.period, "key": mark.key,
                              "part": part, "parts": parts}}


def part_of(message: dict[str, Any], mark: PostMark) -> int | None:
    """Which part of the marked post a history message is, or None if it is not one."""
    meta = message.get("metadata") or {}
    payload = meta.get("event_payload") or {}
    if meta.get("event_type") != EVENT_TYPE:
        return None
    if (payload.get("team"), payload.get("kind"), payload.get("period"), payload.get("key")) != (
            mark.team, mark.kind, mark.period, mark.key):
        return None
    part = payload.get("part")
    return part if isinstance(part, int) else None


async def messages_since(client: AsyncWebClient, channel: str, *, thread_ts: str | None,
                         since: datetime | None) -> AsyncIterator[dict[str, Any]]:
    """The channel's top-level messages (or one thread's) since `since`, with their metadata, page by page."""
    oldest = f"{(since - CLOCK_SLACK).timestamp():.6f}" if since else None
    cursor = None
    while True:
        if thread_ts:
            resp = await client.conversations_replies(channel=channel, ts=thread_ts, oldest=oldest, cursor=cursor,
                                                      limit=PAGE, include_all_metadata=True)
        else:
            resp = await client.conversations_history(channel=channel, oldest=oldest, cursor=cursor, limit=PAGE,
                                                      include_all_metadata=True)
        for message in resp.get("messages") or []:
            yield message
        cursor = (resp.get("response_metadata") or {}).get("next_cursor")
        if not resp.get("has_more") or not cursor:
            return


async def find_parts(client: AsyncWebClient, channel: str, mark: PostMark, *, thread_ts: str | None,
                     since: datetime | None) -> list[str]:
    """The ts of the parts of a marked post Slack has, in order: the leading run of parts 0, 1, … found."""
    found: dict[int, str] = {}
    async for message in messages_since(client, channel, thread_ts=thread_ts, since=since):
        part = part_of(message, mark)
        if part is not None:
            found.setdefault(part, str(message["ts"]))
    out: list[str] = []
    while len(out) in found:
        out.append(found[len(out)])
    return out


async def has_file(client: AsyncWebClient, channel: str, filename: str, *, thread_ts: str | None,
                   since: datetime | None) -> bool:
    """Whether a file of that name was shared in the channel (or thread) since `since`."""
    async for message in messages_since(client, channel, thread_ts=thread_ts, since=since):
        if any(f.get("name") == filename for f in message.get("files") or []):
            return True
    return False
