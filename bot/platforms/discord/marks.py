"""Post marks on Discord: an enforced nonce per part, and a `ref` line the bot can read back from history.

Discord keeps a message's nonce only for a few minutes (a retried create with the same nonce and
`enforce_nonce` returns the first message instead of posting again) and never returns it in channel
history. So every part of a digest or weekly post also ends with a small line naming it
("ref foundations/daily/2026-01-27/2601.16725", plus " · 2/3" on split posts): in the footer of its last
embed, or as a subtext line under plain text. After a crash the bot reads the channel (or the thread)
since the post was first claimed and finds which parts are there.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import discord

from bot.platforms.discord.markdown import escape
from bot.platforms.discord.render import Part
from bot.ports import PostMark

CLOCK_SLACK = timedelta(minutes=2)  # our clock and Discord's may differ: search a little earlier
PAGE = 100


def tag(mark: PostMark, part: int, parts: int) -> str:
    """The ref line of part `part` of `parts`."""
    return f"ref {mark.ref}" + (f" · {part + 1}/{parts}" if parts > 1 else "")


def add_tag(part: Part, text: str) -> None:
    """Write the ref line into a rendered part (the renderer leaves room for it)."""
    if part.embeds:
        last = part.embeds[-1]
        last.set_footer(text=f"{last.footer.text}\n{text}" if last.footer.text else text)
    else:
        part.content = f"{part.content}\n-# {escape(text)}" if part.content.strip("\u200b") else f"-# {escape(text)}"


def _pattern(mark: PostMark) -> re.Pattern[str]:
    ref = re.escape(f"ref {mark.ref}")
    return re.compile(rf"^(?:{ref}|-# {re.escape(escape(f'ref {mark.ref}'))})(?: · (\d+)/\d+)?$", re.MULTILINE)


def part_of(message: dict[str, Any], mark: PostMark, *, author: str) -> int | None:
    """Which part of the marked post a history message (raw JSON) is, or None if it is not one."""
    if str((message.get("author") or {}).get("id")) != author:
        return None
    pattern = _pattern(mark)
    texts = [message.get("content") or ""] + [(e.get("footer") or {}).get("text") or ""
                                               for e in message.get("embeds") or []]
    for text in texts:
        if m := pattern.search(text):
            return int(m.group(1)) - 1 if m.group(1) else 0
    return None


async def find_parts(client: discord.Client, target: str, mark: PostMark, *, since: datetime | None) -> list[str]:
    """Ids of the parts of a marked post in a channel or thread, in order: the leading run of parts found."""
    if client.user is None:
        return []
    after = discord.utils.time_snowflake(since - CLOCK_SLACK) if since else 0
    found: dict[int, str] = {}
    while True:
        page = await client.http.logs_from(int(target), PAGE, after=after)
        for message in page:
            part = part_of(message, mark, author=str(client.user.id))
            if part is not None:
                found.setdefault(part, str(message["id"]))
        if len(page) < PAGE:
            break
        after = max(int(m["id"]) for m in page)
    out: list[str] = []
    while len(out) in found:
        out.append(found[len(out)])
    return out
