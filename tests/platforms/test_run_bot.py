"""`paperbot run` with Slack (HTTP mode) and Discord both configured: both start in one loop, and the bot
stops cleanly when asked (the signal handlers set the same event)."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import discord
from discord.gateway import DiscordWebSocket

from bot.app import run_bot
from tests.fakes.discord_api import CHANNEL_ID, FakeDiscord
from tests.fakes.slack_api import FakeSlack, slack_api  # noqa: F401 (fixture)
from tests.support import make_config


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_run_bot_starts_both_platforms_and_stops_cleanly(tmp_path: Path, slack_api: FakeSlack,  # noqa: F811
                                                               monkeypatch) -> None:
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", DiscordWebSocket.DEFAULT_GATEWAY)
    fake = await FakeDiscord().start()
    env = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "s3cret", "DISCORD_TOKEN": "discord-test"}
    config = make_config(tmp_path, env=env,
                         slack={"api_url": slack_api.base_url, "mode": "http", "port": _free_port()},
                         discord={"api_url": fake.api_url, "guilds": []},
                         schedule={"daily_time": "23:59", "misfire_grace_s": 1},  # no catch-up run in this test
                         team={"slack_channels": ["C111"], "discord_channels": [CHANNEL_ID], "console": False})
    stop = asyncio.Event()
    task = asyncio.create_task(run_bot(config, stop=stop))
    try:
        await asyncio.wait_for(fake.identified.wait(), timeout=15)  # Discord's gateway is connected
        for _ in range(200):
            if slack_api.calls_to("auth.test"):
                break
            await asyncio.sleep(0.05)
        assert slack_api.calls_to("auth.test"), "Slack adapter never started"
        assert not task.done()
        stop.set()
        await asyncio.wait_for(task, timeout=15)
    finally:
        if not task.done():
            task.cancel()
        await fake.stop()
    assert task.exception() is None
