"""Slash commands, clicks, menus, modals and autocomplete -> BotService, and the answers back.

Discord wants an answer within 3 s. A command that is not `slow` gets `fast_reply_s` to finish and is
answered directly (which is also the only way to open a modal); otherwise the interaction is deferred
(`thinking`, ephemeral unless the user asked to share) and answered with follow-ups.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

import discord
from discord.app_commands import Choice

from bot.core.message import Action, Message, Paragraph
from bot.core.models import Request, Upload
from bot.platforms.discord import commands as cmds
from bot.platforms.discord.chat import NETWORK_ERRORS, NO_MENTIONS, DiscordChat
from bot.platforms.discord.components import FormModal
from bot.platforms.discord.markdown import clip
from bot.platforms.discord.paper_chat import NO_LINK, message_text
from bot.platforms.discord.render import render
from handlers.registry import split_command, split_share

if TYPE_CHECKING:
    from handlers.registry import CommandSpec
    from handlers.service import BotService

log = logging.getLogger("paperbot.discord")


def channel_of(interaction: discord.Interaction) -> str:
    """The channel id teams are mapped by: a thread's parent channel, else the channel itself."""
    ch = interaction.channel
    if isinstance(ch, discord.Thread) and ch.parent_id:
        return str(ch.parent_id)
    return str(ch.id) if ch is not None else ""


def roles_of(interaction: discord.Interaction) -> tuple[str, ...]:
    """The member's role names (Manage Server is a separate flag: see request_for)."""
    roles: list[str] = []
    user = interaction.user
    if isinstance(user, discord.Member):
        roles.extend(r.name for r in user.roles if not r.is_default())
    return tuple(roles)


def request_for(interaction: discord.Interaction, command: str, *, text: str, upload: Upload | None = None) -> Request:
    """The neutral Request for a user's interaction."""
    user = interaction.user
    return Request(platform="discord", team="", channel=channel_of(interaction), user=str(user.id), text=text,
                   command=command, user_name=getattr(user, "display_name", "") or "", roles=roles_of(interaction),
                   is_admin=bool(interaction.permissions.manage_guild), upload=upload)


async def upload_of(interaction: discord.Interaction, data: dict[str, Any]) -> Upload | None:
    """The file given in the command's attachment option, read from the CDN URL Discord resolved it to."""
    att_id = cmds.options_of(data).get(cmds.FILE_OPTION)
    att = ((data.get("resolved") or {}).get("attachments") or {}).get(str(att_id)) if att_id else None
    if not att or not att.get("url"):
        return None
    if int(att.get("size") or 0) > cmds.MAX_UPLOAD_BYTES:
        log.info("Discord: attachment %s is %s bytes; not read", att.get("filename"), att.get("size"))
        return Upload(str(att.get("filename") or "upload"), b"")
    try:
        body = await interaction.client.http.get_from_cdn(str(att["url"]))
    except (discord.HTTPException, *NETWORK_ERRORS) as e:
        log.warning("Discord: could not read attachment %s: %s", att.get("filename"), e)
        return None
    return Upload(str(att.get("filename") or "upload"), body)


def shared(spec: CommandSpec | None, text: str) -> bool:
    """Whether the registry will post this command's answer to the channel (a defer must match it).

    The registry's own rule (split_share), so the defer and the answer always agree.
    """
    return spec is not None and split_share(spec, text)[1]


class InteractionRunner:
    """Runs what users do in Discord through BotService and answers them."""

    def __init__(self, service: BotService, chat: DiscordChat, *, fast_reply_s: float = 1.0) -> None:
        self.service = service
        self.chat = chat  # renders parts into send kwargs (controls, files, mentions off)
        self.fast_reply_s = fast_reply_s
        self._specs: dict[str, CommandSpec] | None = None

    def spec(self, name: str) -> CommandSpec | None:
        """The registry command called `name`."""
        if self._specs is None:
            self._specs = {s.name: s for s in self.service.commands}
        return self._specs.get(name.lstrip("/").lower())

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Slash commands, the "Paper card" context menu and autocomplete (ui items dispatch their own clicks)."""
        data: dict[str, Any] = dict(interaction.data or {})
        try:
            if interaction.type is discord.InteractionType.application_command:
                if data.get("type") == cmds.MESSAGE_COMMAND:
                    await self.paper_card(interaction, data)
                    return
                spec = self.spec(str(data.get("name", "")))
                if spec is None:
                    await interaction.response.send_message("This command is no longer available.", ephemeral=True,
                                                            allowed_mentions=NO_MENTIONS)
                    return
                text, share = cmds.text_from_options(spec, cmds.options_of(data))
                await self.run(interaction, spec.name, text=text, share=share, data=data)
            elif interaction.type is discord.InteractionType.autocomplete:
                await self.autocomplete(interaction, data)
        except Exception:
            log.exception("Discord interaction %s failed", interaction.id)

    async def paper_card(self, interaction: discord.Interaction, data: dict[str, Any]) -> None:
        """The "Paper card" context menu: the card of the arXiv paper a message links to, for the channel."""
        target = ((data.get("resolved") or {}).get("messages") or {}).get(str(data.get("target_id")), {})
        channel = channel_of(interaction)
        card, ids = await self.respond(interaction, self._card(channel, message_text(target)), slow=False,
                                       share=True, line=cmds.PAPER_CARD)
        # Questions asked in reply to the card are about its paper.
        await self.service.remember_reply("discord", str(interaction.channel_id or channel), ids, card)

    async def _card(self, channel: str, text: str) -> Message:
        cards = await self.service.link_cards("discord", channel, text, limit=1)
        return cards[0] if cards else Message.text(NO_LINK)

    async def autocomplete(self, interaction: discord.Interaction, data: dict[str, Any]) -> None:
        """Suggest stored papers (id · title) for `args` where the command takes an arXiv id."""
        spec = self.spec(str(data.get("name", "")))
        got = cmds.focused(data)
        choices: list[Choice[str]] = []
        if spec is not None and got is not None and got[0] == "args" and cmds.wants_papers(spec, cmds.options_of(data)):
            for arxiv_id, title in await self.service.suggest_papers(got[1], limit=25):
                choices.append(Choice(name=clip(f"{arxiv_id} · {' '.join(title.split())}", 100), value=arxiv_id[:100]))
        await interaction.response.autocomplete(choices)

    async def run_ref(self, interaction: discord.Interaction, ref: str) -> None:
        """A button or menu option was used: run its command for the clicker."""
        line = await self.chat.codec.decode(ref)
        if line is None:
            await interaction.response.send_message("This button has expired; run the command again.", ephemeral=True,
                                                    allowed_mentions=NO_MENTIONS)
            return
        await self.run_line(interaction, line)

    async def run_line(self, interaction: discord.Interaction, line: str) -> None:
        """Run a full command line ("/papers like 2601.01234") for the interaction's user."""
        command, text = split_command(line)
        await self.run(interaction, command, text=text, share=shared(self.spec(command), text))

    async def run(self, interaction: discord.Interaction, command: str, *, text: str, share: bool,
                  data: dict[str, Any] | None = None) -> None:
        """Run one command, deferring when it may take longer than Discord's 3 s, and answer."""
        spec = self.spec(command)
        await self.respond(interaction, self._execute(interaction, command, text, data),
                           slow=spec is not None and spec.slow, share=share, line=f"/{command} {text}".strip())

    async def respond(self, interaction: discord.Interaction, work: Awaitable[Message], *, slow: bool, share: bool,
                      line: str) -> tuple[Message, list[str]]:
        """Answer with what `work` returns, deferring first when it is slow; the answer and the ids it took."""
        task = asyncio.ensure_future(work)
        deferred = False
        if slow or self.fast_reply_s <= 0:
            done: set = set()
        else:
            done, _ = await asyncio.wait({task}, timeout=self.fast_reply_s)
        if not done:
            await interaction.response.defer(ephemeral=not share, thinking=True)
            deferred = True
        try:
            msg = await task
        except Exception:  # the service has one error policy and should not raise; never leave "thinking…"
            log.exception("Discord: %s raised", line)
            msg = Message.text("Sorry, something went wrong. An admin can find the details in the bot's log.")
        try:
            return msg, await self.answer(interaction, msg, deferred=deferred, line=line)
        except discord.HTTPException as e:
            log.error("Discord: answering %s failed: HTTP %s code %s: %s", line, e.status, e.code, e.text)
            return msg, []

    async def _execute(self, interaction: discord.Interaction, command: str, text: str,
                       data: dict[str, Any] | None) -> Message:
        # The attachment is read inside the task, so a slow download is covered by the defer like the command.
        upload = await upload_of(interaction, data) if data else None
        return await self.service.run_command(request_for(interaction, command, text=text, upload=upload))

    async def answer(self, interaction: discord.Interaction, msg: Message, *, deferred: bool, line: str) -> list[str]:
        """Send a command's Message as the interaction's answer (a modal for a form, when still possible)."""
        if msg.form is not None:
            if not deferred and not interaction.response.is_done():
                await interaction.response.send_modal(FormModal(msg.form, self))
                return []
            # A modal can only be the first answer: offer a button that re-runs the command and opens it.
            blocks = msg.blocks or (Paragraph.of(msg.form.title),)
            msg = Message(blocks=blocks, fallback=msg.fallback, ephemeral=True,
                          actions=(Action(clip(f"Open: {msg.form.title}", 80), line, "primary"),))
        ids: list[str] = []
        for i, part in enumerate(render(msg)):
            kw = await self.chat.send_kwargs(part)
            if i == 0 and not deferred:
                sent = await interaction.response.send_message(ephemeral=msg.ephemeral, **kw)
                ids.append(str(sent.message_id or ""))
            else:
                ids.append(str((await interaction.followup.send(ephemeral=msg.ephemeral, wait=True, **kw)).id))
        return [i for i in ids if i]
