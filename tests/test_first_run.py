"""`paperbot run` on an empty store, as a new user runs it: a real subprocess with the console platform and
the real arXiv clients pointed at the fake arXiv (a weekend RSS feed, OAI-PMH days of the real seed papers).

It fetches seven announcement days, scores them with the local ranker, prints the latest digest once, answers
/papers week at the prompt; started again it fetches and posts nothing more."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.core.models import Paper
from tests.fakes.arxiv_oai import FakeOai, OaiSpec, last_weekdays
from tests.fakes.arxiv_server import ArxivServer, render_rss

ROOT = Path(__file__).resolve().parents[1]


def _config(tmp: Path, arxiv: ArxivServer) -> Path:
    text = (ROOT / "config.toml").read_text()
    for old, new in (('path = "data/paperbot.db"', f'path = "{tmp / "bot.db"}"'),
                     ('rss_url = "https://rss.arxiv.org/rss/{categories}"', f'rss_url = "{arxiv.rss_url}"'),
                     ('api_url = "https://export.arxiv.org/api/query"', f'api_url = "{arxiv.api_url}"'),
                     ('oai_url = "https://oaipmh.arxiv.org/oai"', f'oai_url = "{arxiv.oai_url}"'),
                     ("min_interval_s = 3.0", "min_interval_s = 0.0")):
        assert old in text, old
        text = text.replace(old, new, 1)
    (tmp / "config.toml").write_text(text)
    return tmp / "config.toml"


def _run(config: Path, tmp: Path, commands: str, *, wait_for: str) -> tuple[str, str, float]:
    """Start `paperbot run`, wait until stderr says `wait_for`, type `commands`, quit; (stdout, stderr, seconds)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "OPENAI_", "PAPERBOT_"))}
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "bot", "--config", str(config), "run"], cwd=tmp, env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # The pipes are read after exit: the stored first-start state says when the backfill is done.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and wait_for not in _state(tmp):
            time.sleep(0.1)
        took = time.monotonic() - started
        out, err = proc.communicate(commands + "/quit\n", timeout=60)
    finally:
        proc.kill()
    return out, err, took


def _state(tmp: Path) -> str:
    import sqlite3

    db = tmp / "bot.db"
    if not db.exists():
        return ""
    try:
        with sqlite3.connect(db) as conn:
            row = conn.execute("SELECT value FROM kv WHERE key = 'startup.backfill'").fetchone()
    except sqlite3.Error:
        return ""
    return json.loads(row[0])["status"] if row else ""


def test_a_first_run_is_useful_at_once_and_a_second_run_does_not_redo_it(tmp_path: Path) -> None:
    rows = [json.loads(x) for x in (ROOT / "tests/fixtures/seed_papers.jsonl").read_text().splitlines()]
    papers = [Paper(r["arxiv_id"], r["title"], r["abstract"], tuple(r["authors"]), ("cs.LG",)) for r in rows]
    days = last_weekdays(8)
    specs = [OaiSpec(p, days[i % 8], days[i % 8] - timedelta(days=2)) for i, p in enumerate(papers)]
    with ArxivServer() as arxiv:
        arxiv.rss("cs.LG+cs.AI", render_rss([], day=datetime.now(UTC).date()))  # no announcement today
        arxiv.oai = FakeOai(specs, page_size=5)
        config = _config(tmp_path, arxiv)
        out, err, took = _run(config, tmp_path, "/papers week\n", wait_for="done")
        oai_days = [r.param("from") for r in arxiv.requests if r.path == "/oai" and r.param("from")]
        # Without an RSS day the backfill starts at today (UTC) when it is a weekday: that day holds nothing here.
        today = datetime.now(UTC).date()
        assert oai_days == [today.isoformat()] * (today.weekday() < 5) + [d.isoformat() for d in days[:7]]
        assert "Fetching arXiv announcement days [7/7]" in err and "\r" not in err  # log lines, not a bar
        assert "Scoring for each team [7/7]" in err and "Traceback" not in err
        latest = days[0].isoformat()
        assert out.count(f"Daily arXiv papers for foundations · {latest}") == 1  # the latest, printed once
        assert out.count("Daily arXiv papers for foundations") == 1
        assert "== foundations · papers of" in out and "No papers were picked" not in out  # /papers week answers
        assert took < 60
        asked = len(arxiv.requests)
        out2, err2, _ = _run(config, tmp_path, "", wait_for="done")
        assert "Daily arXiv papers" not in out2 and "Fetching arXiv" not in err2
        assert all(r.path != "/oai" for r in arxiv.requests[asked:])
