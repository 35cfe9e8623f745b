"""SIGTERM to a real `paperbot run` in the middle of posting a digest to a local fake Slack.

The subprocess posts today's digest (a catch-up at start) to a Slack Web API stand-in that rate-limits
every message after the first once (Retry-After: 1), so a post takes seconds and the signal lands inside it.
Within the grace period the post is finished; past it, the bot stops between two messages. Either way every
message Slack accepted is recorded, none twice, and a later run posts exactly what is missing.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.models import ListingEntry, Paper
from tests.fakes.arxiv_server import ArxivServer, render_rss
from tests.fakes.openai_server import FakeOpenAI, ids_in
from tests.fakes.slack_api import FakeSlack, slack_api  # noqa: F401 (fixture)

ROOT = Path(__file__).resolve().parents[2]
PICKS = 5  # one channel post + one reply per pick
MESSAGES = 1 + PICKS


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def world(tmp_path: Path, slack_api: FakeSlack, openai_server: FakeOpenAI) -> Iterator[dict]:  # noqa: F811
    """Fake arXiv (today's feed of PICKS papers), a model that picks them all, a slow fake Slack; a config."""
    rows = [json.loads(x) for x in (ROOT / "tests/fixtures/seed_papers.jsonl").read_text().splitlines()][:PICKS]
    papers = [Paper(r["arxiv_id"], r["title"], r["abstract"], tuple(r["authors"]), ("cs.LG",)) for r in rows]
    openai_server.answer = lambda req: json.dumps({"papers": [
        {"id": i, "relevance": 9, "novelty": 9, "comment": "On topic."} for i in ids_in(req)]})
    for n in range(1, 4 * MESSAGES, 2):  # every message but the first is answered 429 once, then accepted
        slack_api.fail("chat.postMessage", status=429, retry_after=1, after=n, times=1)
    with ArxivServer() as arxiv:
        arxiv.rss("cs.LG+cs.AI", render_rss([ListingEntry(p, "new") for p in papers], day=datetime.now(UTC).date(),
                                            categories="cs.LG+cs.AI"))
        health = _free_port()
        yield {"tmp": tmp_path, "arxiv": arxiv, "slack": slack_api, "openai": openai_server, "health": health,
               "db": tmp_path / "bot.db"}


def _config(world: dict, *, grace_s: float) -> Path:
    text = (ROOT / "config.toml").read_text()
    for old, new in (
        ('path = "data/paperbot.db"', f'path = "{world["db"]}"'),
        ('rss_url = "https://rss.arxiv.org/rss/{categories}"', f'rss_url = "{world["arxiv"].url}/rss/{{categories}}"'),
        ('api_url = "https://export.arxiv.org/api/query"', f'api_url = "{world["arxiv"].api_url}"'),
        ("min_interval_s = 3.0", "min_interval_s = 0.0"),
        ('daily_time = "09:00"', 'daily_time = "00:00"'),  # due since midnight: the start-up catch-up posts it
        ("misfire_grace_s = 21600", "misfire_grace_s = 86400"),
        ('mode = "socket"', 'mode = "http"'),
        ("port = 3000", f"port = {_free_port()}"),
        ('api_url = "https://slack.com/api/"', f'api_url = "{world["slack"].base_url}"'),
        ("health_port = 0", f"health_port = {world['health']}"),
        ("shutdown_grace_s = 30", f"shutdown_grace_s = {grace_s}"),
        ("slack_channels = []", 'slack_channels = ["C1"]'),
        ("console = true", "console = false"),
        ("digest_size = 10", "digest_size = 3"),
        ("backfill_days = 7", "backfill_days = 0"),  # this suite is about the catch-up's post
    ):
        assert old in text, old
        text = text.replace(old, new, 1)
    path = world["tmp"] / "config.toml"
    path.write_text(text)
    return path


def _env(world: dict) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "OPENAI_", "PAPERBOT_"))}
    return {**env, "SLACK_BOT_TOKEN": "xoxb-fault-suite", "SLACK_SIGNING_SECRET": "fault-suite-secret",
            "OPENAI_API_KEY": "sk-fault-suite", "OPENAI_BASE_URL": world["openai"].base_url}


def _accepted(slack: FakeSlack) -> list[dict]:
    """Every chat.postMessage the fake answered ok, with the ts it gave."""
    return [{**c.body, "ts": c.answer["ts"]} for c in slack.calls_to("chat.postMessage")]


def _recorded(db: Path) -> list[tuple[str, list[str]]]:
    with sqlite3.connect(db) as conn:
        return [(k, json.loads(ids)) for k, ids in
                conn.execute("SELECT key, message_ids FROM posts WHERE kind = 'daily' ORDER BY id")]


def _health(port: int) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def _run_until_posting(world: dict, *, grace_s: float) -> subprocess.Popen:
    """Start `paperbot run`; return once Slack accepted two messages of the digest."""
    proc = subprocess.Popen([sys.executable, "-m", "bot", "--config", str(_config(world, grace_s=grace_s)), "run"],
                            cwd=world["tmp"], env=_env(world), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while len(_accepted(world["slack"])) < 2:
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            out, err = proc.communicate()
            pytest.fail(f"the bot never got to posting (exit {proc.returncode}):\n{err[-3000:]}")
        time.sleep(0.05)
    return proc


def _assert_each_accepted_message_recorded_once(world: dict) -> list[dict]:
    accepted = _accepted(world["slack"])
    recorded = _recorded(world["db"])
    assert all(ids for _, ids in recorded), f"claimed but never recorded: {recorded}"
    assert sorted(m["ts"] for m in accepted) == sorted(ts for _, ids in recorded for ts in ids)
    assert len({(m.get("thread_ts"), m["text"]) for m in accepted}) == len(accepted), "a message posted twice"
    return accepted


def test_sigterm_within_the_grace_period_finishes_the_post(world: dict) -> None:
    proc = _run_until_posting(world, grace_s=30)
    proc.send_signal(signal.SIGTERM)
    status, report = 0, {}
    for _ in range(50):  # while it finishes, it tells load balancers and Docker it is stopping
        status, report = _health(world["health"])
        if report.get("status") == "stopping":
            break
        time.sleep(0.05)
    assert (status, report.get("status")) == (503, "stopping")
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err[-3000:]
    accepted = _assert_each_accepted_message_recorded_once(world)
    assert len(accepted) == MESSAGES, err[-3000:]
    parent = next(m for m in accepted if not m.get("thread_ts"))
    assert all(m["thread_ts"] == parent["ts"] for m in accepted if m is not parent)
    assert "Traceback" not in err


def test_sigterm_past_the_grace_period_stops_between_messages_and_a_rerun_posts_the_rest(world: dict) -> None:
    proc = _run_until_posting(world, grace_s=0.5)
    sent_at = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err[-3000:]
    assert time.monotonic() - sent_at < 8, "it did not stop at the next message boundary"
    assert "stopped before its next message" in err and "Traceback" not in err
    first = _assert_each_accepted_message_recorded_once(world)
    assert 2 <= len(first) < MESSAGES

    world["slack"].clear_faults()
    rerun = subprocess.run([sys.executable, "-m", "bot", "--config", str(world["tmp"] / "config.toml"), "daily"],
                           cwd=world["tmp"], env=_env(world), stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, timeout=60)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert f"posted {MESSAGES - len(first)} messages" in rerun.stderr
    accepted = _assert_each_accepted_message_recorded_once(world)
    assert len(accepted) == MESSAGES
