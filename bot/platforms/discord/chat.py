"""The Chat port on Discord: posts, thread replies, voting reactions; REST-only chats and `doctor`."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import aiohttp
import discord

from bot.core.message import Attachment, Image, Message
from bot.core.votes import number_emoji
from bot.platforms.discord.components import ActionCodec, build_view
from bot.platforms.discord.markdown import clip
from bot.platforms.discord.marks import add_tag, find_parts, tag
from bot.platforms.discord.permissions import invite_url
from bot.platforms.discord.render import Part, render
from bot.ports import PostMark, UpstreamError
from bot.retrying import retrying

if TYPE_CHECKING:
    from bot.config import DiscordConfig

log = logging.getLogger("paperbot.discord")

NO_MENTIONS = discord.AllowedMentions.none()
THREAD_EXISTS = 160004  # "A thread has already been created for this message"
THREAD_ARCHIVE_MINUTES = 1440
# What a request can raise besides HTTPException once discord.py has given up (a dropped connection).
NETWORK_ERRORS = (aiohttp.ClientError, OSError, asyncio.TimeoutError)


def transient(e: BaseException) -> bool:
    """Worth another attempt: a dropped connection or timeout (discord.py retries neither on Linux), or a 5xx
    discord.py gave up on or does not retry (503)."""
    return isinstance(e, (*NETWORK_ERRORS, discord.DiscordServerError))


class DiscordPostError(UpstreamError):
    """Discord refused a post; the text says what to fix (usually a missing permission)."""

    def __init__(self, detail: str, *, channel: str, needed: tuple[str, ...] = ()) -> None:
        super().__init__("Discord", detail)
        self.channel = channel
        self.needed = needed


def use_api_url(api_url: str) -> None:
    """Point discord.py's REST client at `api_url` (the real API, or a stand-in in tests)."""
    discord.http.Route.BASE = api_url.rstrip("/")


def to_file(image: Image | Attachment) -> discord.File:
    """A neutral Image (the weekly chart) or Attachment (an export) as a discord.File: multipart files[n]."""
    about = image.alt if isinstance(image, Image) else image.title
    return discord.File(io.BytesIO(image.data), filename=image.filename, description=clip(about, 1024) or None)


def _refusal(e: discord.HTTPException, *, what: str, channel: str, needed: tuple[str, ...],
             app_id: int | None) -> DiscordPostError:
    if isinstance(e, discord.NotFound):
        detail = (f"could not {what}: Discord says {e.text or 'not found'} (code {e.code}). Check the channel id "
                  f"{channel} in config.toml and that the bot is in that server.")
        return DiscordPostError(detail, channel=channel)
    if isinstance(e, discord.Forbidden):
        invite = f" or re-invite the bot with {invite_url(app_id)}" if app_id else ""
        detail = (f"could not {what}: Discord refused (403, code {e.code}: {e.text or 'Missing Permissions'}). "
                  f"The bot needs {', '.join(needed)} in channel {channel}: a server admin can grant them in "
                  f"the channel's Permissions settings{invite}. `paperbot doctor` checks every channel.")
        return DiscordPostError(detail, channel=channel, needed=needed)
    return DiscordPostError(f"could not {what}: HTTP {e.status} code {e.code}: {e.text}", channel=channel)


class DiscordChat:
    """Posts neutral Messages as embeds; thread replies go in the thread started on the parent message."""

    platform = "discord"

    def __init__(self, client: discord.Client, *, codec: ActionCodec | None = None, up_emoji: str = "👍",
                 down_emoji: str = "👎", seed_reactions: bool = True, attempts: int = 4,
                 retry_s: float = 0.5) -> None:
        self.client = client
        self.attempts = attempts
        self.retry_s = retry_s
        self.codec = codec or ActionCodec()
        self.up_emoji = up_emoji
        self.down_emoji = down_emoji
        self.seed_reactions = seed_reactions
        self._threads: set[str] = set()  # parent ids whose thread exists (saves a request per reply)

    @classmethod
    def for_config(cls, client: discord.Client, config: DiscordConfig, *, codec: ActionCodec | None = None,
                   seed_reactions: bool = True) -> DiscordChat:
        """A chat that seeds the first of the configured up/down vote emoji."""
        return cls(client, codec=codec, up_emoji=config.up_emoji[0] if config.up_emoji else "👍",
                   down_emoji=config.down_emoji[0] if config.down_emoji else "👎", seed_reactions=seed_reactions)

    async def post(self, channel: str, message: Message, *, mark: PostMark | None = None,
                   have: Sequence[str] = ()) -> list[str]:
        """Post to a channel; returns the ids of every message it took."""
        needed = ("View Channel", "Send Messages", "Embed Links") + (("Attach Files",) if message.image else ())
        ids = await self._send(channel, message, what=f"post in channel {channel}", needed=needed, mark=mark,
                               have=have)
        await self._seed(channel, ids, message)
        return ids

    async def reply(self, channel: str, parent_id: str, message: Message, *, thread_name: str = "",
                    mark: PostMark | None = None, have: Sequence[str] = ()) -> list[str]:
        """Post in the thread of `parent_id`, starting it first if needed (a thread's id is its message's)."""
        await self._ensure_thread(channel, parent_id, thread_name or message.fallback)
        needed = ("Send Messages in Threads", "Embed Links") + (("Attach Files",) if message.image else ())
        ids = await self._send(parent_id, message, what=f"reply in the thread of message {parent_id}",
                               needed=needed, report_channel=channel, mark=mark, have=have)
        await self._seed(parent_id, ids, message)
        return ids

    async def find(self, channel: str, mark: PostMark, *, parent_id: str | None = None,
                   since: datetime | None = None) -> list[str]:
        """Ids of the parts of a marked post already in the channel (or the thread of parent_id)."""
        target = parent_id or channel
        try:
            return await find_parts(self.client, target, mark, since=since)
        except discord.NotFound:
            return []  # the thread was never started: nothing of it was posted
        except discord.HTTPException as e:
            raise _refusal(e, what=f"read the history of {target}", channel=channel,
                           needed=("View Channel", "Read Message History"), app_id=self.client.application_id) from e
        except NETWORK_ERRORS as e:
            raise DiscordPostError(f"could not read the history of {target}: {type(e).__name__}: {e}",
                                   channel=channel) from e

    async def _ensure_thread(self, channel: str, parent_id: str, name: str) -> None:
        if parent_id in self._threads:
            return
        name = clip(" ".join(name.split()) or "Discussion", 100)
        try:
            await self.client.http.start_thread_with_message(int(channel), int(parent_id), name=name,
                                                             auto_archive_duration=THREAD_ARCHIVE_MINUTES)
        except discord.HTTPException as e:
            if e.code != THREAD_EXISTS:  # posting into an existing thread is normal (resumed runs)
                raise _refusal(e, what=f"start a thread on message {parent_id}", channel=channel,
                               needed=("Create Public Threads", "Read Message History"),
                               app_id=self.client.application_id) from e
        self._threads.add(parent_id)

    async def _send(self, target: str, message: Message, *, what: str, needed: tuple[str, ...],
                    report_channel: str = "", mark: PostMark | None = None, have: Sequence[str] = ()) -> list[str]:
        dest = self.client.get_partial_messageable(int(target))
        parts = render(message)
        ids = list(have[: len(parts)])
        try:
            for i in range(len(ids), len(parts)):
                if mark is not None:
                    add_tag(parts[i], tag(mark, i, len(parts)))
                ids.append(await self._send_part(dest, parts[i], what=what,
                                                 nonce=mark.nonce(target, i) if mark else None))
        except discord.HTTPException as e:
            if mark is None:  # a marked post keeps what got out: the next attempt sends only the rest
                await self._withdraw(dest, ids, what=what)
            raise _refusal(e, what=what, channel=report_channel or target, needed=needed,
                           app_id=self.client.application_id) from e
        except NETWORK_ERRORS as e:
            if mark is None:
                await self._withdraw(dest, ids, what=what)
            raise DiscordPostError(f"could not {what}: {type(e).__name__}: {e}",
                                   channel=report_channel or target) from e
        return ids

    async def _send_part(self, dest: discord.PartialMessageable, part: Part, *, what: str,
                         nonce: str | None) -> str:
        """One message. discord.py retries 500/502/504 itself; a dropped connection or another 5xx is retried
        here. With the post's nonce enforced, Discord answers a repeat with the message it already made."""
        kwargs = await self.send_kwargs(part)
        if nonce is None:
            return str((await dest.send(**kwargs)).id)
        async for attempt in retrying(service="Discord", what=what, transient=transient, attempts=self.attempts,
                                      initial_s=self.retry_s):
            with attempt:
                for f in kwargs.get("files") or []:
                    f.reset()  # a file read by a failed attempt is read again from its start
                return str((await dest.send(**kwargs, nonce=nonce)).id)
        raise AssertionError("unreachable: retrying() re-raises the last error")

    async def _withdraw(self, dest: discord.PartialMessageable, ids: list[str], *, what: str) -> None:
        # The post is not recorded, so the next run posts it again in full: take back the part that got out.
        for mid in ids:
            try:
                await dest.get_partial_message(int(mid)).delete()
            except (discord.HTTPException, *NETWORK_ERRORS) as e:
                log.error("Discord: %s failed after part of it was posted, and message %s could not be deleted "
                          "(%s): it will show twice after the next run", what, mid, e)

    async def send_kwargs(self, part: Part) -> dict[str, Any]:
        """Keyword arguments for Messageable.send / followup.send that show `part` (mentions always off)."""
        kw: dict[str, Any] = {"allowed_mentions": NO_MENTIONS}
        if part.content:
            kw["content"] = part.content
        if part.embeds:
            kw["embeds"] = part.embeds
        else:
            kw["suppress_embeds"] = True  # no link previews under plain-text answers
        files = [to_file(f) for f in (part.image, part.attachment) if f is not None]
        if files:
            kw["files"] = files
        view = await build_view(part.buttons, part.menus, codec=self.codec)
        if view is not None:
            kw["view"] = view
        return kw

    async def _seed(self, target: str, ids: list[str], message: Message) -> None:
        """Add the voting reactions so people can click them (the bot's own are never counted)."""
        if not self.seed_reactions or not ids or not message.papers:
            return
        if len(message.papers) == 1:
            emoji = [self.up_emoji, self.down_emoji]
        else:
            emoji = [number_emoji(i, "discord") for i in range(1, min(len(message.papers), 10) + 1)]
        msg = self.client.get_partial_messageable(int(target)).get_partial_message(int(ids[0]))
        for e in emoji:
            try:
                await msg.add_reaction(e)
            except discord.HTTPException as exc:
                # Votes still work when people add the reaction themselves: warn, do not fail the post.
                log.warning("Discord: could not add reaction %s to message %s (HTTP %s code %s: %s); the bot "
                            "needs Add Reactions and Read Message History there", e, ids[0], exc.status,
                            exc.code, exc.text)
                return
            except NETWORK_ERRORS as exc:  # the post is out: failing now would post it again on the next run
                log.warning("Discord: could not add reaction %s to message %s (%s: %s)", e, ids[0],
                            type(exc).__name__, exc)
                return


async def login_rest(config: DiscordConfig, *, client: discord.Client | None = None) -> discord.Client:
    """A discord.py client logged in over REST only (no gateway); raises UpstreamError with a clear reason."""
    use_api_url(config.api_url)
    client = client or discord.Client(intents=discord.Intents.default(), allowed_mentions=NO_MENTIONS)
    try:
        await client.login(config.token)
    except discord.LoginFailure as e:
        await client.close()
        raise UpstreamError("Discord", "DISCORD_TOKEN was rejected (401): copy the bot token from the Developer "
                                       "Portal (Bot → Reset Token)") from e
    except (discord.HTTPException, aiohttp.ClientError, OSError) as e:
        await client.close()
        raise UpstreamError("Discord", f"cannot log in at {config.api_url}: {e}") from e
    return client


async def open_discord_chat(config: DiscordConfig) -> tuple[DiscordChat, Callable[[], Awaitable[None]]]:
    """A post-only Discord chat for CLI runs (REST login, no gateway) and the function that closes it."""
    client = await login_rest(config)
    return DiscordChat.for_config(client, config), client.close
