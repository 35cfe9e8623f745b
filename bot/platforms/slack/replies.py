"""Answering one user interaction: response_url (5 uses), then the Web API; modals for forms."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.message import Attachment, Message
from bot.platforms.slack.chat import SLACK_ERRORS, SlackChat, describe
from bot.platforms.slack.forms import fits_modal, form_view
from bot.platforms.slack.render import SlackMessage, render_message

log = logging.getLogger("paperbot.slack")

RESPONSE_URL_USES = 5  # Slack accepts five posts to one response_url (within 30 minutes)
WORKING = "⏳ Working on it…"


@dataclass
class ReplyTarget:
    """Where the answer to one command, button click or form submission goes."""

    client: AsyncWebClient
    channel: str
    user: str
    respond: AsyncRespond | None = None  # None when the payload has no response_url (view_submission)
    trigger_id: str | None = None
    uses: int = 0

    async def working(self) -> None:
        """Tell the user a slow command is running (only they see it)."""
        await self._part(SlackMessage(text=WORKING, blocks=[]), in_channel=False)

    async def deliver(self, msg: Message) -> None:
        """Send a handler's reply: a modal when it is a form, else ephemeral unless msg.ephemeral is False."""
        if msg.form is not None and self.trigger_id and fits_modal(msg.form):
            try:
                await self.client.views_open(trigger_id=self.trigger_id, view=form_view(msg.form, channel=self.channel))
                return
            except SLACK_ERRORS as e:  # e.g. the 3-second trigger expired: show the form as text instead
                log.warning("views.open failed (%s); sending the form as a message", describe(e))
        in_channel = not msg.ephemeral
        for part in render_message(msg):
            await self._part(part, in_channel=in_channel)
        if msg.image is not None and in_channel:  # ephemeral messages cannot carry files
            await SlackChat(self.client).upload(self.channel, msg.image)
        if msg.attachment is not None:
            await self._send_file(msg.attachment, in_channel=in_channel)

    async def _send_file(self, file: Attachment, *, in_channel: bool) -> None:
        """A shared reply's file goes to the channel; a private one to the user's direct messages with the bot
        (an ephemeral message cannot carry a file, and a file shared nowhere is visible to no one)."""
        chat = SlackChat(self.client)
        where = self.channel if in_channel else await chat.direct_channel(self.user)
        if where and await chat.upload(where, file):
            if not in_channel:
                await self._part(SlackMessage(text=f"📎 Sent {file.filename} to you in a direct message from the "
                                                   "bot.", blocks=[]), in_channel=False)
            return
        await self._part(SlackMessage(text=f"Could not upload {file.filename} here (Slack refused the file). "
                                           "`paperbot export` on the bot's machine writes the same data.", blocks=[]),
                         in_channel=False)

    async def _part(self, part: SlackMessage, *, in_channel: bool) -> None:
        kind = "in_channel" if in_channel else "ephemeral"
        if self.respond is not None and self.respond.response_url and self.uses < RESPONSE_URL_USES:
            self.uses += 1
            try:
                resp = await self.respond(text=part.text, blocks=part.blocks or None, response_type=kind,
                                          replace_original=False, unfurl_links=False, unfurl_media=False)
                if resp.status_code == 200:
                    return
                log.warning("response_url answered HTTP %s; falling back to the Web API", resp.status_code)
            except SLACK_ERRORS as e:
                log.warning("response_url failed (%s); falling back to the Web API", describe(e))
        try:
            if in_channel:
                await self.client.chat_postMessage(channel=self.channel, text=part.text, blocks=part.blocks or None,
                                                   unfurl_links=False, unfurl_media=False)
            else:
                await self.client.chat_postEphemeral(channel=self.channel, user=self.user, text=part.text,
                                                     blocks=part.blocks or None)
        except SLACK_ERRORS as e:
            log.warning("could not answer user %s in %s: %s", self.user, self.channel, describe(e))
