"""The Chat port on Discord: posts, thread replies, voting reactions; REST-only chats and `doctor`."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import aiohttp
import discord

from bot.core.message import Attachment, Image, Message
from bot.core.votes import number_emoji
from bot.platforms.discord.components import ActionCodec, build_view
from bot.platforms.discord.markdown import clip
from bot.platforms.discord.permissions import invite_url, missing
from bot.platforms.discord.render import Part, render
from bot.ports import UpstreamError

if TYPE_CHECKING:
    from bot.config import Config, DiscordConfig

log = logging.getLogger("paperbot.discord")

NO_MENTIONS = discord.AllowedMentions.none()
THREAD_EXISTS = 160004  # "A thread has already been created for this message"
THREAD_ARCHIVE_MINUTES = 1440
# What a request can raise besides HTTPException once discord.py has given up (a dropped connection).
NETWORK_ERRORS = (aiohttp.ClientError, OSError, asyncio.TimeoutError)


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
                 down_emoji: str = "👎", seed_reactions: bool = True) -> None:
        self.client = client
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

    async def post(self, channel: str, message: Message) -> list[str]:
        """Post to a channel; returns the ids of every message it took."""
        needed = ("View Channel", "Send Messages", "Embed Links") + (("Attach Files",) if message.image else ())
        ids = await self._send(channel, message, what=f"post in channel {channel}", needed=needed)
        await self._seed(channel, ids, message)
        return ids

    async def reply(self, channel: str, parent_id: str, message: Message, *, thread_name: str = "") -> list[str]:
        """Post in the thread of `parent_id`, starting it first if needed (a thread's id is its message's)."""
        await self._ensure_thread(channel, parent_id, thread_name or message.fallback)
        needed = ("Send Messages in Threads", "Embed Links") + (("Attach Files",) if message.image else ())
        ids = await self._send(parent_id, message, what=f"reply in the thread of message {parent_id}",
                               needed=needed, report_channel=channel)
        await self._seed(parent_id, ids, message)
        return ids

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
                    report_channel: str = "") -> list[str]:
        dest = self.client.get_partial_messageable(int(target))
        ids: list[str] = []
        try:
            for part in render(message):
                ids.append(str((await dest.send(**await self.send_kwargs(part))).id))
        except discord.HTTPException as e:
            await self._withdraw(dest, ids, what=what)
            raise _refusal(e, what=what, channel=report_channel or target, needed=needed,
                           app_id=self.client.application_id) from e
        except NETWORK_ERRORS as e:
            await self._withdraw(dest, ids, what=what)
            raise DiscordPostError(f"could not {what}: {type(e).__name__}: {e}",
                                   channel=report_channel or target) from e
        return ids

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


async def check_discord(config: DiscordConfig, full: Config) -> tuple[bool, str]:
    """`paperbot doctor`: the token works, the bot sees every configured channel with every permission it needs."""
    try:
        client = await login_rest(config)
    except UpstreamError as e:
        return False, e.detail
    notes = [f"logged in as {client.user} (application {client.application_id})"]
    ok = True
    try:
        if not config.guilds:
            notes.append("no [discord] guilds set: slash commands are not registered")
        channels = [c for t in full.teams for c in t.channels_on("discord")]
        if not channels:
            notes.append("no team has discord_channels: nothing will be posted")
        for cid in channels:
            good, text = await _channel_report(client, cid)
            ok &= good
            notes.append(text)
        if not ok and client.application_id:
            notes.append(f"invite URL with every permission: {invite_url(client.application_id)}")
    finally:
        await client.close()
    return ok, "; ".join(notes)


async def _channel_report(client: discord.Client, cid: str) -> tuple[bool, str]:
    """One channel: reachable, and which needed permissions the bot lacks there."""
    try:
        data = await client.http.get_channel(int(cid))
        guild = await client.fetch_guild(int(data["guild_id"]))
        channel = await guild.fetch_channel(int(cid))
        me = await guild.fetch_member(client.user.id)  # type: ignore[union-attr]
    except (discord.HTTPException, KeyError, ValueError) as e:
        return False, f"channel {cid}: the bot cannot see it ({e}); check the id and invite the bot to that server"
    lacks = missing(channel.permissions_for(me))
    where = f"channel {cid} (#{channel.name} in {guild.name})"
    if lacks:
        return False, f"{where}: missing {', '.join(lacks)}"
    return True, f"{where}: ok"
