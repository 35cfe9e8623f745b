"""SlackAdapter: a bolt AsyncApp in the bot's one event loop, over Socket Mode (default) or HTTP."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import ConfigError, SlackConfig, TeamConfig
from bot.platforms.slack.chat import SLACK_ERRORS, SlackChat, build_client, describe
from bot.platforms.slack.listeners import Listeners
from bot.platforms.slack.paper_events import PaperEvents
from bot.ports import UpstreamError
from handlers.service import BotService

log = logging.getLogger("paperbot.slack")

EVENTS_PATH = "/slack/events"  # commands, interactivity and events all arrive here in HTTP mode


class SlackAdapter:
    """The Slack Platform: `.chat` posts, `start()` listens, `stop()` closes cleanly."""

    name = "slack"

    def __init__(self, config: SlackConfig, service: BotService, *, client: AsyncWebClient | None = None,
                 host: str = "0.0.0.0", port: int | None = None,
                 routes: Mapping[str, Callable[[web.Request], Awaitable[web.StreamResponse]]] | None = None) -> None:
        self.config = config
        self.service = service
        self.client = client or build_client(config)
        self.chat = SlackChat(self.client)
        self.vote_emoji = config.vote_emoji
        self.host = host
        self.port = config.port if port is None else port
        http = config.mode == "http"
        self.app = AsyncApp(client=self.client, name="paperbot", signing_secret=config.signing_secret or None,
                            request_verification_enabled=http)
        Listeners(service, self.client).register(self.app)
        PaperEvents(service, self.client).register(self.app)  # link_shared unfurls, app_mention answers
        self.bot_user_id = ""
        self._socket: AsyncSocketModeHandler | None = None
        self._runner: web.AppRunner | None = None
        self.routes = dict(routes or {"/healthz": _healthz})  # extra GET routes of HTTP mode (bot.health's)

    def channels(self, team: TeamConfig) -> tuple[str, ...]:
        """The team's Slack channels (`slack_channels`)."""
        return team.channels_on(self.name)

    async def start(self) -> None:
        """Check the tokens, register the bot's own user id, then connect (socket) or listen (HTTP)."""
        if self.config.mode == "socket" and not self.config.app_token:
            raise ConfigError("slack.mode = socket needs SLACK_APP_TOKEN (an xapp- token with connections:write)")
        if self.config.mode == "http" and not self.config.signing_secret:
            raise ConfigError("slack.mode = http needs SLACK_SIGNING_SECRET")
        try:
            auth = await self.client.auth_test()
        except SLACK_ERRORS as e:
            raise UpstreamError("Slack", f"SLACK_BOT_TOKEN was not accepted: {describe(e)}") from e
        self.bot_user_id = str(auth.get("user_id", ""))
        if self.bot_user_id:
            self.service.add_bot_user(self.bot_user_id)  # the bot's own reactions are never votes
        if self.config.mode == "socket":
            await self._start_socket()
        else:
            await self._start_http()
        log.info("Slack connected as @%s (%s) in %s, %s mode", auth.get("user"), self.bot_user_id,
                 auth.get("team"), self.config.mode)

    async def _start_socket(self) -> None:
        # connect() retries a rejected app token forever; ask once first so a bad token fails loudly.
        try:
            await self.client.apps_connections_open(app_token=self.config.app_token)
        except SLACK_ERRORS as e:
            raise UpstreamError("Slack", f"SLACK_APP_TOKEN was not accepted: {describe(e)}") from e
        self._socket = AsyncSocketModeHandler(self.app, self.config.app_token)
        await self._socket.connect_async()  # returns once connected; start_async() would never return

    async def _start_http(self) -> None:
        web_app = web.Application()
        web_app.router.add_post(EVENTS_PATH, self.handle_http)
        for path, route in self.routes.items():
            web_app.router.add_get(path, route)
        self._runner = web.AppRunner(web_app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        if self._runner.addresses:  # port 0 asks the OS for a free port: report the one it gave
            self.port = int(self._runner.addresses[0][1])
        log.info("Slack HTTP endpoint on http://%s:%d%s", self.host, self.port, EVENTS_PATH)

    async def handle_http(self, request: web.Request) -> web.Response:
        """One HTTP request from Slack through bolt (signature check, ack, listeners)."""
        return await to_aiohttp_response(await self.app.async_dispatch(await to_bolt_request(request)))

    async def connected(self) -> bool:
        """Socket Mode: the WebSocket is up; HTTP mode: the endpoint is listening."""
        if self._socket is not None:
            return await self._socket.client.is_connected()
        return self._runner is not None

    async def stop(self) -> None:
        """Disconnect / stop listening; safe to call twice or without start()."""
        if self._socket is not None:
            socket, self._socket = self._socket, None
            await socket.close_async()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()


async def _healthz(request: web.Request) -> web.Response:
    return web.Response(text="ok")
