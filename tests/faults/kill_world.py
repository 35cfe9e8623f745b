"""SIGKILL at random points of real `paperbot daily` / `paperbot weekly` runs against local fakes.

Shared by the bounded fault test (tests/faults/test_kills.py) and the full benchmark (bench/kills.py).
One trial is one fresh database and fresh fake Slack and Discord servers: `paperbot daily` (or, after a
clean daily run, `paperbot weekly`) is started as a subprocess and killed with SIGKILL at a random point:
mostly right after the fakes accepted a random number of its messages (the window between "sent" and
"recorded"), sometimes at a random time. It is rerun (and maybe killed again) until a run ends by itself.
Then the platforms' view is compared with the store's: every message the fakes accepted must appear once
(duplicates), every message a clean run posts must be there (missing), and every accepted message must
be recorded in the posts table (unrecorded), with no claim left behind.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from http.server import ThreadingHTTPServer
from pathlib import Path

from bot.core.models import ListingEntry, Paper
from tests.fakes.arxiv_server import ArxivServer, render_rss
from tests.fakes.discord_api import CHANNEL_ID, FakeDiscord
from tests.fakes.discord_thread import ThreadedDiscord
from tests.fakes.openai_server import FakeOpenAI, ids_in
from tests.fakes.slack_api import FakeSlack, start_fake_slack
from tests.faults.kill_tally import RECOVERED, Seen, Tally

ROOT = Path(__file__).resolve().parents[2]
SLACK_CHANNEL = "C0KILLTEST"


class KillWorld:
    """Fake arXiv and OpenAI for the whole session; fresh Slack, Discord and database per trial."""

    def __init__(self, root: Path, *, papers: int = 4, python: str = sys.executable, reference: bool = True) -> None:
        self.root = root
        self.papers = papers
        self.python = python
        self.reference = reference
        self._stack = ExitStack()
        self.expected: dict[str, Counter[str]] = {}  # kind -> messages per platform of a clean run
        self.slack: FakeSlack
        self.discord: ThreadedDiscord
        self.db = root / "bot.db"
        self.daily_done = root / "daily-done.db"

    def __enter__(self) -> KillWorld:
        rows = [json.loads(x) for x in (ROOT / "tests/fixtures/seed_papers.jsonl").read_text().splitlines()]
        papers = [Paper(r["arxiv_id"], r["title"], r["abstract"], tuple(r["authors"]), ("cs.LG",))
                  for r in rows[: self.papers]]
        self.arxiv = self._stack.enter_context(ArxivServer())
        self.feed = render_rss([ListingEntry(p, "new") for p in papers], day=datetime.now(UTC).date(),
                               categories="cs.LG+cs.AI")
        self.arxiv.rss("cs.LG+cs.AI", self.feed)
        self.openai = FakeOpenAI().start()
        self._stack.callback(self.openai.stop)
        self.openai.answer = lambda req: json.dumps({"papers": [
            {"id": i, "relevance": 9, "novelty": 9, "comment": "On topic."} for i in ids_in(req)]})
        if not self.reference:
            return self
        with self.trial("daily"):  # reference runs: what a clean daily and weekly post
            for kind in ("daily", "weekly"):
                before = self.seen()
                self._clean_run(kind)
                self.expected[kind] = Counter(s.platform for s in self.seen() if s not in before)
                if kind == "daily":  # the week's picks, for weekly trials (a clean daily run before each)
                    _copy_db(self.db, self.daily_done)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    @contextmanager
    def trial(self, kind: str) -> Iterator[None]:
        """Fresh fake Slack and Discord servers, and a fresh database (for a weekly: as a clean daily left it)."""
        for suffix in ("", "-wal", "-shm"):
            Path(str(self.db) + suffix).unlink(missing_ok=True)
        if kind == "weekly" and self.daily_done.exists():
            _copy_db(self.daily_done, self.db)
        slack, server = start_fake_slack()
        self.slack = slack
        try:
            with ThreadedDiscord() as discord:
                self.discord = discord
                self._write_config()
                yield
        finally:
            _stop(server)

    # --- runs ------------------------------------------------------------------------------------------------
    def _write_config(self, *extra: tuple[str, str]) -> None:
        text = (ROOT / "config.toml").read_text()
        port = self.discord.call(lambda f: f.port)
        for old, new in (
            ('path = "data/paperbot.db"', f'path = "{self.db}"'),
            ('rss_url = "https://rss.arxiv.org/rss/{categories}"', f'rss_url = "{self.arxiv.url}/rss/{{categories}}"'),
            ('api_url = "https://export.arxiv.org/api/query"', f'api_url = "{self.arxiv.api_url}"'),
            ("min_interval_s = 3.0", "min_interval_s = 0.0"),
            ('api_url = "https://slack.com/api/"', f'api_url = "{self.slack.base_url}"'),
            ('api_url = "https://discord.com/api/v10"', f'api_url = "http://127.0.0.1:{port}{FakeDiscord.PREFIX}"'),
            ("slack_channels = []", f'slack_channels = ["{SLACK_CHANNEL}"]'),
            ("discord_channels = []", f'discord_channels = ["{CHANNEL_ID}"]'),
            ("console = true", "console = false"),
            ("digest_size = 10", "digest_size = 2"),
            *extra,
        ):
            assert old in text, old
            text = text.replace(old, new, 1)
        (self.root / "config.toml").write_text(text)

    def env(self, kind: str) -> dict[str, str]:
        """The subprocess environment: tokens for the fakes; the LLM scores the daily, the weekly is local."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "OPENAI_", "PAPERBOT_"))}
        env.update(SLACK_BOT_TOKEN="xoxb-kill-test", SLACK_APP_TOKEN="xapp-kill-test", DISCORD_TOKEN="kill-test",
                   SLACK_SIGNING_SECRET="kill-test-secret")
        if kind != "weekly":
            env.update(OPENAI_API_KEY="sk-kill-test", OPENAI_BASE_URL=self.openai.base_url)
        return env

    def start(self, kind: str) -> subprocess.Popen[str]:
        """`paperbot <kind>` as a subprocess."""
        return subprocess.Popen([self.python, "-m", "bot", "--config", str(self.root / "config.toml"), kind],
                                cwd=self.root, env=self.env(kind), stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

    def run(self, kind: str) -> subprocess.CompletedProcess[str]:
        """`paperbot <kind>` to the end: its exit status and stderr."""
        proc = self.start(kind)
        _, err = proc.communicate(timeout=120)
        return subprocess.CompletedProcess(proc.args, proc.returncode, "", err)

    def _clean_run(self, kind: str) -> None:
        proc = self.start(kind)
        _, err = proc.communicate(timeout=120)
        if proc.returncode != 0:
            raise RuntimeError(f"a clean `paperbot {kind}` failed (exit {proc.returncode}):\n{err[-3000:]}")

    def run_killed(self, kind: str, rng: random.Random, tally: Tally, *, trial_start: int = 0) -> None:
        """One run, SIGKILLed at a random point unless it ends first."""
        proc = self.start(kind)
        tally["runs"] += 1
        start_count = len(self.seen())
        remaining = sum(self.expected[kind].values()) - (start_count - trial_start)
        deadline = time.monotonic() + 120
        if remaining <= 0 or rng.random() < 0.15:  # anywhere: start-up, scoring, posting
            when = time.monotonic() + rng.uniform(0.2, 2.5)
            while time.monotonic() < when and proc.poll() is None:
                time.sleep(0.002)
        else:  # right after the fakes accepted a random number of its messages
            target = start_count + rng.randrange(1, remaining + 1)
            while len(self.seen()) < target and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.001)
            time.sleep(rng.uniform(0, 0.02))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            tally["kills"] += 1
        tally["recovered"] += proc.communicate(timeout=60)[1].count(RECOVERED)

    def run_killed_on_accept(self, kind: str, platform: str, nth: int, tally: Tally) -> None:
        """One run SIGKILLed by the fake `platform` as it stores the run's `nth` message, before answering:
        the message is out, the poster never hears so."""
        count = 0
        proc: subprocess.Popen[str] | None = None

        def kill(message: dict) -> None:
            nonlocal count
            count += 1
            if count == nth and proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                tally["kills"] += 1

        if platform == "slack":
            self.slack.on_accept = kill
        else:
            self.discord.call(lambda f: setattr(f, "on_accept", kill))
        try:
            proc = self.start(kind)
            tally["runs"] += 1
            proc.communicate(timeout=120)
        finally:
            self.slack.on_accept = None
            self.discord.call(lambda f: setattr(f, "on_accept", None))

    def finish(self, kind: str, tally: Tally) -> str:
        """A run left alone: it must end with exit 0. Its stderr."""
        proc = self.start(kind)
        tally["runs"] += 1
        _, err = proc.communicate(timeout=120)
        tally["recovered"] += err.count(RECOVERED)
        if proc.returncode != 0:
            tally["failed_runs"] += 1
            tally.notes.append(f"final {kind} run exit {proc.returncode}: {err.strip().splitlines()[-1:]}")
        return err

    # --- what the platforms and the store say -------------------------------------------------------------
    def seen(self) -> list[Seen]:
        """Every message the fake Slack and Discord accepted, in order."""
        out = []
        for m in self.slack.channel_messages(SLACK_CHANNEL):
            where = "reply" if m.get("thread_ts", m["ts"]) != m["ts"] else "channel"
            files = ",".join(f["name"] for f in m.get("files") or [])
            out.append(Seen("slack", f"{where}|{m['text']}|{files}", m["ts"]))
        out += self.discord.call(_discord_seen)
        return out

    def check(self, kind: str, before: list[Seen], tally: Tally) -> None:
        """Compare the platforms with the store for the messages of this trial's `kind` runs."""
        old = {(s.platform, s.message_id, s.ident) for s in before}
        seen = [s for s in self.seen() if (s.platform, s.message_id, s.ident) not in old]
        tally["accepted"] += len(seen)
        counts = Counter((s.platform, s.ident) for s in seen)
        tally["duplicates"] += sum(n - 1 for n in counts.values())
        distinct = Counter(p for p, _ in counts)
        tally["missing"] += sum(max(0, n - distinct[p]) for p, n in self.expected[kind].items())
        with sqlite3.connect(self.db) as conn:
            rows = conn.execute("SELECT platform, message_ids FROM posts WHERE kind = ?", [kind]).fetchall()
        recorded = {(p, mid) for p, ids in rows for mid in json.loads(ids)}
        # A shared file (the weekly chart on Slack) is its own message but not a post of its own.
        unrecorded = [s for s in seen if not s.ident.endswith(".png") and (s.platform, s.message_id) not in recorded]
        tally["unrecorded"] += len(unrecorded)
        tally["claims_left"] += sum(ids == "[]" for _, ids in rows)
        if unrecorded or any(n > 1 for n in counts.values()):
            tally.notes.append(f"{kind}: unrecorded {[s.ident[:60] for s in unrecorded]}, "
                               f"twice {[i[:60] for (_, i), n in counts.items() if n > 1]}")


def _discord_seen(fake: FakeDiscord) -> list[Seen]:
    out = []
    for m in fake.messages.values():
        if m.get("webhook"):
            continue
        embeds = " ".join(f"{e.get('title', '')}/{(e.get('description') or '')[:80]}" for e in m["embeds"])
        where = "reply" if m["channel_id"] in fake.threads else "channel"
        out.append(Seen("discord", f"{where}|{m['content'][:200]}|{embeds}|{len(m['attachments'])}", m["id"]))
    return out


def _copy_db(src: Path, dst: Path) -> None:
    """A consistent copy of a SQLite file (its WAL included), through the online backup API."""
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    b.close()
    a.close()


def _stop(server: ThreadingHTTPServer) -> None:
    server.shutdown()
    server.server_close()
