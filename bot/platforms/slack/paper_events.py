"""Slack's paper events: `link_shared` -> chat.unfurl with the paper's card; `app_mention` -> a thread answer.

They only translate: Slack's payloads in, a neutral Mention or link text to BotService, its Messages
out as unfurl blocks or thread replies. Both events are deduplicated on event_id like reactions.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.message import Message
from bot.core.models import Mention
from bot.platforms.slack.chat import SLACK_ERRORS, SlackChat, describe
from bot.platforms.slack.mrkdwn import unescape
from bot.platforms.slack.render import render_message
from bot.ports import UpstreamError
from handlers.service import BotService

log = logging.getLogger("paperbot.slack")

_LINK = re.compile(r"<((?:https?|mailto):[^|>\s]+)(?:\|[^>]*)?>")  # <url|label> as Slack sends links
COMPOSER = "COMPOSER"  # link_shared's channel while the link is still being typed


def plain_text(text: str, *, bot_user: str = "") -> str:
    """Slack message text as the user typed it: links bare, the bot's own mention out, entities decoded."""
    if bot_user:
        text = text.replace(f"<@{bot_user}>", " ")
    else:  # the bot's id is unknown: its mention is the first word of an app_mention
        text = re.sub(r"^\s*<@[A-Z0-9]+>", " ", text)
    return unescape(_LINK.sub(r"\1", text)).strip()


def root_text(message: dict[str, Any]) -> str:
    """The text of a thread's first message and the links of its attachments (unfurls, shared cards)."""
    links = [a.get(k, "") for a in message.get("attachments") or [] for k in ("from_url", "title_link", "original_url")]
    return " ".join([plain_text(str(message.get("text") or "")), *filter(None, links)])


class PaperEvents:
    """The link_shared and app_mention listeners, bound to the one BotService."""

    def __init__(self, service: BotService, client: AsyncWebClient) -> None:
        self.service = service
        self.client = client
        self.chat = SlackChat(client)

    def register(self, app: AsyncApp) -> None:
        """Attach both listeners to the bolt app."""
        app.event("link_shared")(self.on_link_shared)
        app.event("app_mention")(self.on_app_mention)

    async def _first(self, body: dict[str, Any]) -> bool:
        event_id = body.get("event_id")
        if event_id and not await self.service.first_delivery("slack", event_id):
            log.info("ignoring Slack's redelivery of event %s", event_id)
            return False
        return True

    async def on_link_shared(self, body: dict[str, Any], event: dict[str, Any], context: AsyncBoltContext) -> None:
        """arxiv.org links in a message (or the composer) -> one card per link, attached by chat.unfurl."""
        if event.get("user") and event.get("user") == context.bot_user_id:
            return  # the bot's own posts link papers on purpose, unfurled or not
        if not await self._first(body):
            return
        channel, ts = str(event.get("channel") or ""), str(event.get("message_ts") or "")
        unfurls: dict[str, dict[str, Any]] = {}
        cards: list[Message] = []
        for link in event.get("links") or []:
            url = str(link.get("url") or "")
            for card in await self.service.link_cards("slack", channel, url, limit=1):
                if card.papers:  # an unknown paper or a failure unfurls nothing rather than an error text
                    unfurls[url] = {"blocks": render_message(card)[0].blocks}
                    cards.append(card)
        if not unfurls:
            return
        where: dict[str, Any] = {"channel": channel, "ts": ts}
        if event.get("unfurl_id") and event.get("source"):
            where = {"unfurl_id": event["unfurl_id"], "source": event["source"]}
        try:
            await self.client.chat_unfurl(unfurls=unfurls, **where)
        except SLACK_ERRORS as e:  # e.g. missing links:write, or the message is gone
            log.warning("chat.unfurl of %d arXiv link(s) in %s failed: %s", len(unfurls), channel, describe(e))
            return
        if len(cards) == 1 and ts and channel != COMPOSER:  # questions under that message are about its paper
            await self.service.remember_reply("slack", channel, [ts], cards[0], kind="link")

    async def on_app_mention(self, body: dict[str, Any], event: dict[str, Any], context: AsyncBoltContext) -> None:
        """@paperbot … -> a card, an answer about the thread's paper, or a hint; answered in the thread."""
        if not await self._first(body):
            return
        channel, ts = str(event.get("channel") or ""), str(event.get("ts") or "")
        thread = str(event.get("thread_ts") or "")
        mention = Mention("slack", channel, str(event.get("user") or ""),
                          plain_text(str(event.get("text") or ""), bot_user=context.bot_user_id or ""),
                          message_id=ts, thread=thread, context=await self._root(channel, thread))
        reply = await self.service.on_mention(mention)
        try:
            if reply.ephemeral:  # a hint or an error: only the asker sees it, in the thread
                part = render_message(reply)[0]
                await self.client.chat_postEphemeral(channel=channel, user=mention.user, text=part.text,
                                                     blocks=part.blocks, thread_ts=thread or ts)
                return
            ids = await self.chat.reply(channel, thread or ts, reply)
        except (UpstreamError, *SLACK_ERRORS) as e:  # the answer is lost either way: say why in the log
            log.warning("could not answer the mention in %s: %s", channel, describe(e))
            return
        await self.service.remember_reply("slack", channel, ids, reply, mention=mention, kind="answer")

    async def _root(self, channel: str, thread: str) -> str:
        """The thread's first message, read only when the bot has no record of it (a shared /explain answer)."""
        if not thread or await self.service.thread_known("slack", thread):
            return ""
        try:
            resp = await self.client.conversations_replies(channel=channel, ts=thread, limit=1, inclusive=True)
        except SLACK_ERRORS as e:  # no channels:history in this workspace, or the thread is gone
            log.info("could not read the first message of thread %s in %s: %s", thread, channel, describe(e))
            return ""
        messages = resp.get("messages") or []
        return root_text(messages[0]) if messages else ""
