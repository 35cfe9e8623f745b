"""SlackAdapter start/stop: HTTP mode on a real aiohttp server, Socket Mode against a local websocket."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from bot.config import ConfigError
from bot.platforms.slack.adapter import SlackAdapter
from bot.platforms.slack.chat import build_client
from bot.ports import UpstreamError
from handlers.service import BotService
from tests.fakes.slack_api import FakeSlack
from tests.platforms.slack.conftest import (
    CHANNEL,
    SlackEnv,
    command_body,
    fixture_json,
    sign,
    slack_config,
)
from tests.support import make_config, make_deps


async def _post(url: str, body: str, headers: dict[str, str]) -> tuple[int, str]:
    async with aiohttp.ClientSession() as s, s.post(url, data=body.encode(), headers=headers) as r:
        return r.status, await r.text()


async def test_http_mode_serves_signed_requests_and_stops_cleanly(env: SlackEnv):
    await env.adapter.start()
    assert [c.method for c in env.api.calls] == ["auth.test"]
    assert env.adapter.bot_user_id == "W12345678"
    url = f"http://127.0.0.1:{env.adapter.port}/slack/events"

    body = command_body("/help", "", response_url=env.api.response_url("h"))
    assert (await _post(url, body, sign(body)))[0] == 200
    [reply] = await env.api.wait_for("response_url", name="h")
    assert "/papers" in json.dumps(reply) and reply["response_type"] == "ephemeral"

    assert (await _post(url, body, sign(body, secret="wrong")))[0] == 401
    challenge = json.dumps(fixture_json("bolt_python_tests/url_verification.json"))
    status, text = await _post(url, challenge, sign(challenge, content_type="application/json"))
    assert status == 200 and fixture_json("bolt_python_tests/url_verification.json")["challenge"] in text
    async with aiohttp.ClientSession() as s, s.get(f"http://127.0.0.1:{env.adapter.port}/healthz") as r:
        assert r.status == 200

    await env.adapter.stop()
    with pytest.raises(aiohttp.ClientConnectionError):
        await _post(url, body, sign(body))
    await env.adapter.stop()  # twice is fine


async def test_missing_secrets_or_rejected_token_fail_start_loudly(tmp_path: Path, slack_api: FakeSlack):
    no_secret = make_config(tmp_path, env={"SLACK_BOT_TOKEN": "xoxb-x"},
                            slack={"api_url": slack_api.base_url, "mode": "http"})
    deps = make_deps(no_secret)
    try:
        with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET"):
            await SlackAdapter(no_secret.slack, BotService(deps)).start()
        no_app_token = make_config(tmp_path, env={"SLACK_BOT_TOKEN": "xoxb-x"}, slack={"api_url": slack_api.base_url})
        with pytest.raises(ConfigError, match="SLACK_APP_TOKEN"):
            await SlackAdapter(no_app_token.slack, BotService(deps)).start()
        slack_api.fail("auth.test", status=200, error="invalid_auth")
        config = slack_config(tmp_path, slack_api)
        with pytest.raises(UpstreamError, match="invalid_auth"):
            await SlackAdapter(config.slack, BotService(deps), host="127.0.0.1", port=0).start()
    finally:
        deps.store.close()


@contextlib.asynccontextmanager
async def socket_mode_server(envelopes: list[dict]) -> AsyncIterator[tuple[str, list[dict]]]:
    """A local stand-in for Slack's Socket Mode websocket: says hello, sends envelopes, collects acks."""
    acks: list[dict] = []

    async def handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A111"}})
        for env in envelopes:
            await ws.send_json(env)
        async for msg in ws:
            if msg.type == aiohttp.WSMsgType.TEXT:
                acks.append(json.loads(msg.data))
        return ws

    app = web.Application()
    app.router.add_get("/link", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"ws://127.0.0.1:{port}/link", acks
    finally:
        await runner.cleanup()


async def test_socket_mode_connects_acks_a_command_and_answers(tmp_path: Path, slack_api: FakeSlack):
    command = fixture_json("bolt_python_tests/slash_command_parsed.json")
    command.update(command="/help", text="", channel_id=CHANNEL, response_url=slack_api.response_url("sock"))
    envelope = {"envelope_id": "57d6a792-4d35-4d0b-b6aa-3361493e1caf", "type": "slash_commands",
                "accepts_response_payload": True, "payload": command}
    config = slack_config(tmp_path, slack_api, mode="socket")
    deps = make_deps(config)
    adapter = SlackAdapter(config.slack, BotService(deps), client=build_client(config.slack, backoff_s=0.01))
    async with socket_mode_server([envelope]) as (ws_url, acks):
        slack_api.ws_url = ws_url
        try:
            await adapter.start()  # returns once connected (connect_async, not start_async)
            [reply] = await slack_api.wait_for("response_url", name="sock")
            assert "/criteria" in json.dumps(reply)
            for _ in range(200):
                if acks:
                    break
                await asyncio.sleep(0.01)
            assert acks[0]["envelope_id"] == envelope["envelope_id"]
            opened = slack_api.calls_to("apps.connections.open")
            assert opened and opened[0].headers["Authorization"] == "Bearer xapp-test"
        finally:
            await adapter.stop()
            deps.store.close()
