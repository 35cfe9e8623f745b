"""Bolt listeners: Slack payloads in, neutral Request/ReactionEvent to BotService, replies out.

They only translate. Commands and button clicks ack at once (Slack wants an answer within 3 s) and
then answer through response_url; votes are reactions, deduplicated on Slack's event_id.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.models import ReactionEvent, Request
from bot.platforms.slack.blocks import ACTION_PREFIX
from bot.platforms.slack.forms import CALLBACK_ID, submission
from bot.platforms.slack.mrkdwn import unescape
from bot.platforms.slack.replies import ReplyTarget
from handlers.registry import split_command
from handlers.service import BotService

log = logging.getLogger("paperbot.slack")


class Listeners:
    """The adapter's bolt listeners, bound to the one BotService."""

    def __init__(self, service: BotService, client: AsyncWebClient) -> None:
        self.service = service
        self.client = client

    def register(self, app: AsyncApp) -> None:
        """Attach every listener to the bolt app."""
        app.command(re.compile(r"^/"))(self.on_command)  # every registry command, unknown ones answered too
        app.action(re.compile("^" + re.escape(ACTION_PREFIX)))(self.on_button)
        app.view(CALLBACK_ID)(self.on_form)
        app.event("reaction_added")(self.on_reaction)
        app.event("reaction_removed")(self.on_reaction)
        app.error(self.on_error)

    async def run(self, name: str, text: str, target: ReplyTarget, *, user_name: str = "") -> None:
        """Run a command line for a user and deliver the reply (say "working…" first when it is slow)."""
        spec = next((c for c in self.service.commands if c.name == name.lower()), None)
        if spec is not None and spec.slow:
            await target.working()
        team = self.service.team_for_channel("slack", target.channel) or ""
        req = Request(platform="slack", team=team, channel=target.channel, user=target.user, text=text,
                      command=name, user_name=user_name)
        await target.deliver(await self.service.run_command(req))

    async def on_command(self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        """A slash command: ack, run it, answer via response_url."""
        await ack()
        target = ReplyTarget(self.client, body.get("channel_id", ""), body.get("user_id", ""), respond=respond,
                             trigger_id=body.get("trigger_id"))
        # Slack sends &, <, > as entities in command text; handlers want what the user typed.
        await self.run(body.get("command", "").lstrip("/"), unescape(body.get("text") or ""), target,
                       user_name=body.get("user_name", ""))

    async def on_button(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any],
                        respond: AsyncRespond) -> None:
        """A paperbot button: its value is a command line, run for whoever clicked."""
        await ack()
        name, text = split_command(action.get("value") or "")
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id", "")
        user = body.get("user") or {}
        target = ReplyTarget(self.client, channel, user.get("id", ""), respond=respond,
                             trigger_id=body.get("trigger_id"))
        await self.run(name, text, target, user_name=user.get("username") or user.get("name", ""))

    async def on_form(self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        """A submitted modal: close it, then run `submit_command + " " + text` as the user."""
        await ack()
        line, channel = submission(view)
        name, text = split_command(line)
        user = body.get("user") or {}
        target = ReplyTarget(self.client, channel, user.get("id", ""))
        await self.run(name, text, target, user_name=user.get("username") or user.get("name", ""))

    async def on_reaction(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """reaction_added / reaction_removed on a message -> a vote change (Slack's retries counted once)."""
        item = event.get("item") or {}
        if item.get("type") != "message":
            return
        event_id = body.get("event_id")
        if event_id and not await self.service.first_delivery("slack", event_id):
            log.info("ignoring Slack's redelivery of event %s", event_id)
            return
        channel = item.get("channel", "")
        ev = ReactionEvent(platform="slack", channel=channel, message_id=item.get("ts", ""),
                           user=event.get("user", ""), emoji=event.get("reaction", ""),
                           added=event.get("type") == "reaction_added",
                           team=self.service.team_for_channel("slack", channel))
        await self.service.on_reaction(ev)

    async def on_error(self, error: Exception, body: dict[str, Any]) -> None:
        """Log a listener failure without the payload (it carries tokens and user text)."""
        kind = body.get("type") or ("command" if "command" in body else "?")
        log.error("Slack %s listener failed: %s", kind, error, exc_info=error)
