"""The Discord platform: a discord.py client in the bot's asyncio loop, wired to BotService.

`start()` logs in, syncs the slash commands (only when they changed), connects the gateway in a
background task of the SAME loop as Slack and the scheduler, and returns once the client is ready;
`stop()` closes it. Reactions arrive as raw events, so votes work on messages posted before a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any

import discord
import yarl
from discord.gateway import DiscordWebSocket

from bot.config import DiscordConfig, TeamConfig
from bot.core.models import ReactionEvent
from bot.platforms.discord.chat import NO_MENTIONS, DiscordChat, login_rest
from bot.platforms.discord.commands import sync_commands
from bot.platforms.discord.components import ActionButton, ActionCodec, ActionSelect
from bot.platforms.discord.interactions import InteractionRunner
from bot.platforms.discord.paper_chat import PaperChat

if TYPE_CHECKING:
    from handlers.service import BotService

log = logging.getLogger("paperbot.discord")


def _gateway_ended(task: asyncio.Task[None]) -> None:
    """discord.py gives up on some errors (bad token, a payload it cannot parse): say so in the log."""
    if not task.cancelled() and (exc := task.exception()) is not None:
        log.error("Discord: the gateway connection stopped (%s: %s); slash commands and votes are not received "
                  "until the bot is restarted", type(exc).__name__, exc, exc_info=exc)


class PaperbotClient(discord.Client):
    """discord.Client whose events go to the adapter (no privileged intents)."""

    def __init__(self, adapter: DiscordAdapter, **options: Any) -> None:
        super().__init__(intents=discord.Intents.default(), allowed_mentions=NO_MENTIONS, **options)
        self.adapter = adapter

    @property
    def runner(self) -> InteractionRunner:
        """What buttons, menus and modals call back into (see components.ActionButton)."""
        return self.adapter.runner

    async def setup_hook(self) -> None:
        """After login, before the gateway: persistent buttons/menus, then the slash commands."""
        self.add_dynamic_items(ActionButton, ActionSelect)
        try:
            await sync_commands(self, self.adapter.service, guilds=self.adapter.config.guilds)
        except Exception:  # a network blip must not keep the bot from posting; the next start retries
            log.exception("Discord: syncing slash commands failed; they are retried at the next start")

    async def on_ready(self) -> None:
        """Never count the bot's own (seeded) reactions as votes."""
        if self.user is not None:
            self.adapter.service.add_bot_user(str(self.user.id))
            log.info("Discord: connected as %s in %d server(s)", self.user, len(self.guilds))

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Slash commands and autocomplete."""
        await self.runner.on_interaction(interaction)

    async def on_message(self, message: discord.Message) -> None:
        """A message that mentions the bot (its text arrives without the message content intent)."""
        try:
            await self.adapter.paper_chat.on_message(message, self.user)
        except Exception:
            log.exception("Discord: answering message %s failed", message.id)

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        """A reaction was added (cached message or not)."""
        await self.adapter.reaction(payload, added=True)

    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        """A reaction was removed."""
        await self.adapter.reaction(payload, added=False)

    async def on_raw_reaction_clear(self, payload: discord.RawReactionClearEvent) -> None:
        """Every reaction of a message was removed (a moderator's "remove all reactions")."""
        await self.adapter.cleared(str(payload.channel_id), str(payload.message_id), emoji=None)

    async def on_raw_reaction_clear_emoji(self, payload: discord.RawReactionClearEmojiEvent) -> None:
        """One emoji's reactions were removed from a message."""
        await self.adapter.cleared(str(payload.channel_id), str(payload.message_id), emoji=str(payload.emoji))


class DiscordAdapter:
    """The Discord Platform: owns the client; `.chat` is the Chat port the publisher posts through."""

    name = "discord"

    def __init__(self, config: DiscordConfig, service: BotService, *, fast_reply_s: float = 1.0,
                 seed_reactions: bool = True, **client_options: Any) -> None:
        self.config = config
        self.service = service
        self.codec = ActionCodec(kv_get=service.kv_get, kv_set=service.kv_set)
        self.client = PaperbotClient(self, **client_options)
        self.chat = DiscordChat.for_config(self.client, config, codec=self.codec, seed_reactions=seed_reactions)
        self.vote_emoji = config.vote_emoji
        self.runner = InteractionRunner(service, self.chat, fast_reply_s=fast_reply_s)
        self.paper_chat = PaperChat(service, self.chat)  # @mentions: cards and answers in a paper's thread
        self._task: asyncio.Task[None] | None = None
        self.ready_timeout_s = 60.0

    def channels(self, team: TeamConfig) -> tuple[str, ...]:
        """The team's Discord channels (`discord_channels`)."""
        return team.channels_on(self.name)

    async def start(self) -> None:
        """Log in, sync commands, connect in the background; return when ready (raise if it cannot)."""
        await login_rest(self.config, client=self.client)
        if self.config.api_url.rstrip("/") != DiscordConfig.api_url:
            # A stand-in API: ask it where its gateway is, as Discord documents (GET /gateway/bot).
            _, url, _ = await self.client.http.get_bot_gateway()
            DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
        self._task = asyncio.create_task(self.client.connect(reconnect=True), name="discord-gateway")
        self._task.add_done_callback(_gateway_ended)
        ready = asyncio.create_task(self.client.wait_until_ready())
        done, _ = await asyncio.wait({self._task, ready}, timeout=self.ready_timeout_s, return_when=asyncio.FIRST_COMPLETED)
        if ready not in done:
            ready.cancel()
            err = self._task.exception() if self._task in done else None
            await self.stop()
            raise RuntimeError(f"Discord gateway did not become ready ({err or 'timed out'})") from err

    def connected(self) -> bool:
        """The gateway task runs, the client is ready and its WebSocket is open."""
        ws = self.client.ws
        return (self._task is not None and not self._task.done() and self.client.is_ready()
                and not self.client.is_closed() and ws is not None and ws.open)

    async def stop(self) -> None:
        """Close the gateway and HTTP session; safe to call twice."""
        await self.client.close()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(self._task, timeout=10)
            self._task = None

    async def reaction(self, payload: discord.RawReactionActionEvent, *, added: bool) -> None:
        """A raw reaction add/remove -> ReactionEvent -> BotService.on_reaction."""
        channel = str(payload.channel_id)
        ev = ReactionEvent(self.name, channel, str(payload.message_id), str(payload.user_id), str(payload.emoji),
                           added, team=self.service.team_for_channel(self.name, channel))
        try:
            outcome = await self.service.on_reaction(ev)
            log.debug("Discord reaction %s on %s: %s", ev.emoji, ev.message_id, outcome)
        except Exception:
            log.exception("Discord: handling a reaction on message %s failed", ev.message_id)

    async def cleared(self, channel: str, message_id: str, *, emoji: str | None) -> None:
        """Reactions were cleared: everyone's votes through them go (BotService.on_reaction_clear)."""
        try:
            await self.service.on_reaction_clear(self.name, channel, message_id, emoji=emoji)
        except Exception:
            log.exception("Discord: clearing votes of message %s failed", message_id)
