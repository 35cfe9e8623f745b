"""@paperbot on Discord (no privileged intents): mentions deliver their text, and the bot answers in place.

A message that mentions the bot (a reply to the bot's message does, unless the user turned the ping
off) becomes a neutral Mention: the replied-to message, else the thread it is in, is what it hangs
under, and the replied-to message's text and embed links are its context. The answer is a reply to
it; BotService records it so a reply to the answer continues the same thread.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import discord

from bot.core.message import Message
from bot.core.models import Mention
from bot.platforms.discord.chat import DiscordChat
from bot.platforms.discord.render import render

if TYPE_CHECKING:
    from handlers.service import BotService

log = logging.getLogger("paperbot.discord")

NO_LINK = "There is no arXiv link in that message (e.g. https://arxiv.org/abs/2601.16725), so there is no card to show."


def message_text(message: dict[str, Any]) -> str:
    """A message payload's words: its content and its embeds' links, titles and text (a card's arXiv link)."""
    parts = [str(message.get("content") or "")]
    for e in message.get("embeds") or []:
        parts += [str(e.get(k) or "") for k in ("url", "title", "description")]
        parts.append(str((e.get("footer") or {}).get("text") or ""))
    return " ".join(p for p in parts if p)


def _mentions_me(message: discord.Message, me: discord.abc.User) -> bool:
    return any(u.id == me.id for u in message.mentions)


class PaperChat:
    """Answers mentions of the bot through BotService."""

    def __init__(self, service: BotService, chat: DiscordChat) -> None:
        self.service = service
        self.chat = chat

    async def on_message(self, message: discord.Message, me: discord.abc.User | None) -> None:
        """A message arrived: if it mentions the bot (and is not a bot's), answer it."""
        if me is None or message.author.bot or not _mentions_me(message, me):
            return
        text = re.sub(rf"<@!?{me.id}>", " ", message.content or "").strip()
        thread, context = "", ""
        ref = message.reference
        if ref is not None and ref.message_id:
            thread = str(ref.message_id)
            if isinstance(ref.resolved, discord.Message):
                context = message_text({"content": ref.resolved.content,
                                        "embeds": [e.to_dict() for e in ref.resolved.embeds]})
        elif isinstance(message.channel, discord.Thread):
            thread = str(message.channel.id)  # a thread's id is its starter message's: the digest post
        where = message.channel
        team_channel = str(where.parent_id if isinstance(where, discord.Thread) and where.parent_id else where.id)
        mention = Mention("discord", team_channel, str(message.author.id), text, message_id=str(message.id),
                          thread=thread, context=context,
                          user_name=getattr(message.author, "display_name", "") or "")
        reply = await self.service.on_mention(mention)
        ids = await self._send(message, reply)
        await self.service.remember_reply("discord", str(where.id), ids, reply, mention=mention, kind="answer")

    async def _send(self, message: discord.Message, reply: Message) -> list[str]:
        """Post the answer as a reply to the mention (mentions off, the asker not pinged)."""
        ids: list[str] = []
        try:
            for i, part in enumerate(render(reply)):
                kw = await self.chat.send_kwargs(part)
                ref = message.to_reference(fail_if_not_exists=False) if i == 0 else None
                ids.append(str((await message.channel.send(reference=ref, **kw)).id))  # kw: mentions off
        except discord.HTTPException as e:  # e.g. no Send Messages in Threads: say so in the log
            log.error("Discord: answering a mention in %s failed: HTTP %s code %s: %s", message.channel.id,
                      e.status, e.code, e.text)
        return ids
