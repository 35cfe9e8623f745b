"""One platform failing never stops another's post, and the run names it; doctor authenticates the LLM key.

Real `paperbot daily` / `paperbot run` subprocesses against fake Slack, Discord, arXiv and OpenAI servers
on 127.0.0.1 (tests/faults/kill_world.py). A clean daily posts 5 messages per platform: the channel post
and one reply per pick (4 papers, all picked).
"""

from __future__ import annotations

import json
import signal
import socket
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.__main__ import main
from tests.fakes.arxiv_server import ArxivServer, render_rss
from tests.fakes.discord_api import CHANNEL_ID, FakeDiscord, Reply
from tests.fakes.openai_server import FakeOpenAI
from tests.faults.kill_world import SLACK_CHANNEL, KillWorld

MESSAGES = 5


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KillWorld]:
    with KillWorld(tmp_path_factory.mktemp("platforms"), reference=False) as w:
        yield w


def _reject_token(world: KillWorld) -> None:
    """Discord answers the bot token with 401, as it does for a reset or mistyped token."""
    world.discord.call(lambda f: f.fail("GET", r"^/users/@me$", Reply(401, {"message": "401: Unauthorized",
                                                                             "code": 0}), forever=True))


def _heal_discord(world: KillWorld) -> None:
    world.discord.call(lambda f: f._rules.clear())


def _discord_posts(world: KillWorld) -> list[dict]:
    def posts(f: FakeDiscord) -> list[dict]:
        return [m for m in f.messages.values() if not m.get("webhook")]
    return world.discord.call(posts)


def _recorded(world: KillWorld, platform: str) -> list[str]:
    with sqlite3.connect(world.db) as conn:
        rows = conn.execute("SELECT message_ids FROM posts WHERE platform = ? AND kind = 'daily'", [platform])
        return [mid for (ids,) in rows for mid in json.loads(ids)]


def test_a_rejected_discord_token_still_posts_slack_names_discord_and_the_rerun_posts_discord(
        world: KillWorld) -> None:
    with world.trial("daily"):
        _reject_token(world)
        first = world.run("daily")
        assert first.returncode == 1, first.stderr[-3000:]
        assert "paperbot daily (foundations): Discord failed" in first.stderr and "401" in first.stderr
        assert "not posted to Discord; the other platforms were" in first.stderr
        slack = world.slack.channel_messages(SLACK_CHANNEL)
        assert len(slack) == MESSAGES and sorted(_recorded(world, "slack")) == sorted(m["ts"] for m in slack)
        assert _discord_posts(world) == []

        _heal_discord(world)
        again = world.run("daily")
        assert again.returncode == 0, again.stderr[-3000:]
        assert f"posted {MESSAGES} messages to 2 channel(s); {MESSAGES} were already posted" in again.stderr
        assert len(world.slack.channel_messages(SLACK_CHANNEL)) == MESSAGES  # nothing twice on Slack
        assert len(_discord_posts(world)) == MESSAGES == len(_recorded(world, "discord"))


def test_a_team_without_a_discord_channel_is_not_stopped_by_a_rejected_discord_token(world: KillWorld) -> None:
    with world.trial("daily"):
        world._write_config((f'discord_channels = ["{CHANNEL_ID}"]', "discord_channels = []"))
        _reject_token(world)
        run = world.run("daily")
        assert run.returncode == 0, run.stderr[-3000:]
        assert "Discord: DISCORD_TOKEN was rejected (401)" in run.stderr  # still said, as a log line
        assert len(world.slack.channel_messages(SLACK_CHANNEL)) == MESSAGES


def test_slack_failing_for_good_posts_discord_says_so_plainly_and_the_next_run_resumes_slack(
        world: KillWorld) -> None:
    with world.trial("daily"):
        world.slack.fail("chat.postMessage", status=500, after=2)  # Slack breaks after the parent and one reply
        first = world.run("daily")
        assert first.returncode == 1, first.stderr[-3000:]
        assert (f"paperbot daily (foundations): Slack failed (channel {SLACK_CHANNEL}): Slack: chat.postMessage to "
                f"{SLACK_CHANNEL} failed: HTTP 500 internal_error") in first.stderr
        assert "retry 3 of 3" in first.stderr  # bounded: four attempts, then it gives up
        assert len(_discord_posts(world)) == MESSAGES
        assert len(world.slack.channel_messages(SLACK_CHANNEL)) == 2

        world.slack.clear_faults()
        again = world.run("daily")
        assert again.returncode == 0, again.stderr[-3000:]
        assert f"posted {MESSAGES - 2} messages" in again.stderr
        slack = world.slack.channel_messages(SLACK_CHANNEL)
        assert len(slack) == MESSAGES and len({m["text"] for m in slack}) == MESSAGES
        assert sorted(_recorded(world, "slack")) == sorted(m["ts"] for m in slack)


def test_the_running_bot_posts_slack_when_discord_cannot_start_and_logs_which_failed(world: KillWorld) -> None:
    with world.trial("daily"):
        world._write_config(('daily_time = "09:00"', 'daily_time = "00:00"'), ('mode = "socket"', 'mode = "http"'),
                            ("port = 3000", f"port = {_free_port()}"), ("misfire_grace_s = 21600",
                                                                       "misfire_grace_s = 86400"))
        _reject_token(world)
        proc = world.start("run")
        try:
            deadline = time.monotonic() + 60
            while len(world.slack.channel_messages(SLACK_CHANNEL)) < MESSAGES and time.monotonic() < deadline:
                assert proc.poll() is None, proc.communicate()[1][-3000:]
                time.sleep(0.1)
            time.sleep(0.5)  # the job records its outcome
        finally:
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err[-3000:]
        assert "Discord did not start (DISCORD_TOKEN was rejected (401)" in err
        assert "daily digest for foundations: Discord failed (channel" in err
        assert len(world.slack.channel_messages(SLACK_CHANNEL)) == MESSAGES and _discord_posts(world) == []
        with sqlite3.connect(world.db) as conn:
            status, detail = conn.execute("SELECT status, detail FROM job_runs WHERE job = 'daily'").fetchone()
        assert status == "failed" and "Discord failed" in detail  # the next start catches up


def test_doctor_authenticates_the_llm_key(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          arxiv_server: ArxivServer, openai_server: FakeOpenAI,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "SLACK_BOT_TOKEN", "DISCORD_TOKEN", "PAPERBOT_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    arxiv_server.rss("cs.LG+cs.AI", render_rss([], day=datetime.now(UTC).date(), categories="cs.LG+cs.AI"))
    text = (Path(__file__).resolve().parents[2] / "config.toml").read_text()
    text = text.replace('path = "data/paperbot.db"', f'path = "{tmp_path / "bot.db"}"')
    text = text.replace('rss_url = "https://rss.arxiv.org/rss/{categories}"', f'rss_url = "{arxiv_server.url}/rss/'
                        '{categories}"').replace('base_url = ""', f'base_url = "{openai_server.base_url}"')
    (tmp_path / "config.toml").write_text(text)
    openai_server.api_keys = {"sk-the-right-key"}

    monkeypatch.setenv("OPENAI_API_KEY", "sk-a-revoked-key")
    assert main(["--config", str(tmp_path / "config.toml"), "doctor"]) == 1
    out = capsys.readouterr().out
    assert "[FAIL] LLM" in out and "OPENAI_API_KEY was rejected (HTTP 401)" in out and "revoked" not in out

    monkeypatch.setenv("OPENAI_API_KEY", "sk-the-right-key")
    assert main(["--config", str(tmp_path / "config.toml"), "doctor"]) == 0
    assert "[ok  ] LLM" in capsys.readouterr().out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
