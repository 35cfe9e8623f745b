"""GET /healthz and /metrics of a running bot: each part's state, 503 when one is down, in every mode."""

from __future__ import annotations

import asyncio
import socket
import time
from pathlib import Path
from typing import Any

import aiohttp
import discord
from discord.gateway import DiscordWebSocket
from prometheus_client.parser import text_string_to_metric_families

from bot.app import run_bot
from bot.health import Health
from tests.fakes.discord_api import CHANNEL_ID, FakeDiscord
from tests.fakes.slack_api import FakeSlack, slack_api  # noqa: F401 (fixture)
from tests.support import make_config


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _get(url: str) -> tuple[int, str, Any]:
    async with aiohttp.ClientSession() as s, s.get(url) as r:
        text = await r.text()
        return r.status, text, (await r.json() if r.content_type == "application/json" else None)


async def _wait_status(url: str, status: int, *, within_s: float = 15.0) -> Any:
    """Poll until the endpoint answers `status`; return its JSON."""
    deadline = time.monotonic() + within_s
    last: Any = None
    while time.monotonic() < deadline:
        try:
            got, _, body = await _get(url)
            last = (got, body)
            if got == status:
                return body
        except aiohttp.ClientConnectionError as e:
            last = e
        await asyncio.sleep(0.1)
    raise AssertionError(f"{url} never answered {status}; last: {last}")


QUIET = {"daily_time": "23:59", "misfire_grace_s": 1}  # no catch-up run in these tests


async def test_slack_http_and_discord_share_one_notion_of_health(tmp_path: Path, slack_api: FakeSlack,  # noqa: F811
                                                                 monkeypatch) -> None:
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", DiscordWebSocket.DEFAULT_GATEWAY)
    fake = await FakeDiscord().start()
    port = _free_port()
    env = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "s3cret", "DISCORD_TOKEN": "discord-test"}
    config = make_config(tmp_path, env=env, slack={"api_url": slack_api.base_url, "mode": "http", "port": port},
                         discord={"api_url": fake.api_url, "guilds": []}, schedule=QUIET,
                         ops={"health_port": port, "health_host": "127.0.0.1"},  # the Slack port itself
                         team={"slack_channels": ["C111"], "discord_channels": [CHANNEL_ID], "console": False})
    stop = asyncio.Event()
    task = asyncio.create_task(run_bot(config, stop=stop))
    base = f"http://127.0.0.1:{port}"
    try:
        report = await _wait_status(base + "/healthz", 200)
        assert report["status"] == "ok"
        assert {k: v["ok"] for k, v in report["checks"].items()} == {
            "database": True, "slack": True, "discord": True, "scheduler": True}
        status, text, _ = await _get(base + "/metrics")
        assert status == 200
        samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
                   for fam in text_string_to_metric_families(text) for s in fam.samples}
        assert samples[("paperbot_health_check", (("check", "discord"),))] == 1.0
        assert ("paperbot_job_runs_total", (("job", "daily"), ("outcome", "failed"))) in samples

        await fake.stop()  # Discord goes away: the bot stays up, the health check says so
        report = await _wait_status(base + "/healthz", 503)
        assert report["status"] == "unhealthy"
        assert report["checks"]["discord"]["ok"] is False
        assert report["checks"]["database"]["ok"] and report["checks"]["slack"]["ok"]
        stop.set()
        await asyncio.wait_for(task, timeout=20)
    finally:
        if not task.done():
            task.cancel()
        await fake.stop()
    assert task.exception() is None


async def test_without_a_platform_health_has_its_own_port(tmp_path: Path) -> None:
    port = _free_port()
    config = make_config(tmp_path, schedule=QUIET, ops={"health_port": port, "health_host": "127.0.0.1"})
    stop = asyncio.Event()
    task = asyncio.create_task(run_bot(config, console=False, stop=stop))
    try:
        report = await _wait_status(f"http://127.0.0.1:{port}/healthz", 200)
        assert set(report["checks"]) == {"database", "scheduler"} and report["pid"] > 0
        stop.set()
        await asyncio.wait_for(task, timeout=20)
    finally:
        if not task.done():
            task.cancel()
    assert task.exception() is None
    try:
        await _get(f"http://127.0.0.1:{port}/healthz")
        raise AssertionError("the health endpoint outlived the bot")
    except aiohttp.ClientConnectionError:
        pass


async def test_a_failing_or_hanging_check_makes_it_503_and_says_which() -> None:
    async def hangs() -> bool:
        await asyncio.sleep(10)
        return True

    def raises() -> bool:
        raise OSError("disk I/O error")

    health = Health(check_timeout_s=0.2)
    health.add("fine", lambda: True)
    health.add("hangs", hangs)
    health.add("raises", raises)
    await health.serve("127.0.0.1", 0)
    try:
        url = f"http://127.0.0.1:{health.port}/healthz"
        status, _, report = await _get(url)
        assert status == 503 and report["status"] == "starting"  # not serving traffic yet
        health.phase = "running"
        status, _, report = await _get(url)
        assert status == 503 and report["status"] == "unhealthy"
        assert report["checks"] == {"fine": {"ok": True},
                                    "hangs": {"ok": False, "detail": "no answer within 0.2s"},
                                    "raises": {"ok": False, "detail": "OSError: disk I/O error"}}
        del health.checks["hangs"], health.checks["raises"]
        assert (await _get(url))[0] == 200
        health.phase = "stopping"
        assert (await _get(url))[0] == 503
    finally:
        await health.close()
