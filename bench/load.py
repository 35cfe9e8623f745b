"""Load benchmark: signed commands and reactions at the Slack HTTP endpoint while a daily run posts.

    python bench/load.py --listings /work/shared/bench/listings_2025.jsonl.gz \\
        [--commands 1000] [--reactions 5000] [--concurrency 20] [--profile OUT.svg]

Three processes on 127.0.0.1: the outside world (bench/_load_world.py: fake Slack Web API, arXiv feed
of a real 700-paper day, a model answering at once), the bot (`paperbot run`, Slack in HTTP mode, its
daily time a minute ago so it starts the day's run at once) and this one, which sends the traffic
(bench/_load_traffic.py) and measures each request until Slack's 200 "ack" arrives. Then it checks
that every vote is stored as the reactions left it, and that every command was answered. See
bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from _load_traffic import CHANNEL, plan, send_all

from bot.core.models import Paper
from storage import papers as paper_store
from storage import posts
from storage.db import Store

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-signing-secret"
TEAM = "foundations"


def free_port() -> int:
    """A port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_config(path: Path, *, db: Path, port: int, world: dict) -> None:
    """The shipped config.toml pointed at the world, Slack in HTTP mode, the daily time a minute ago."""
    start = max(datetime.now(UTC) - timedelta(minutes=1), datetime.now(UTC).replace(hour=0, minute=0))
    text = (ROOT / "config.toml").read_text()
    for old, new in (('path = "data/paperbot.db"', f'path = "{db}"'), ('mode = "socket"', 'mode = "http"'),
                     ("port = 3000", f"port = {port}"), ('api_url = "https://slack.com/api/"', f'api_url = "{world["slack_api"]}"'),
                     ('rss_url = "https://rss.arxiv.org/rss/{categories}"', f'rss_url = "{world["replay"]}/rss/{{categories}}"'),
                     ("min_interval_s = 3.0", "min_interval_s = 0.0"), ('daily_time = "09:00"', f'daily_time = "{start:%H:%M}"'),
                     ("slack_channels = []", f'slack_channels = ["{CHANNEL}"]'), ("console = true", "console = false"),
                     # The seeded store holds no listings: without this, the first start would read a week of
                     # announcement days from arXiv's OAI-PMH (the internet) before the daily run.
                     ("backfill_days = 7", "backfill_days = 0")):
        assert old in text, old
        text = text.replace(old, new, 1)
    path.write_text(text)


def seed(db: Path, n: int = 40) -> dict[str, str]:
    """An earlier digest already posted in Slack: n paper replies (message ts -> arXiv id) to react to."""
    store = Store.open(db)
    papers = [Paper(f"2512.{90000 + i}", f"Seeded paper {i} on sparse experts", "An abstract.", ("A. Author",))
              for i in range(n)]
    store.sync(paper_store.upsert_papers, papers)
    where = {"team": TEAM, "kind": "daily", "period": "2025-01-01", "platform": "slack", "channel": CHANNEL}
    messages = {}
    for i, p in enumerate(papers):
        ts = f"1735700000.{i:06d}"
        store.sync(posts.record_post, **where, key=p.arxiv_id, message_ids=[ts], thread_id="1735700000.999999",
                   papers=[p.arxiv_id])
        messages[ts] = p.arxiv_id
    store.close()
    return messages


def stored_votes(db: Path) -> dict[tuple[str, str], int]:
    """(user, arXiv id) -> stored vote, read from the file as another process would."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return {(u, a): v for u, a, v in con.execute("SELECT user, arxiv_id, value FROM votes WHERE platform='slack'")}
    finally:
        con.close()


def daily_status(db: Path) -> str:
    """Status of the bot's daily run (job_runs), '' before it starts."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        row = con.execute("SELECT status FROM job_runs WHERE job = 'daily' ORDER BY id DESC LIMIT 1").fetchone()
        return row[0] if row else ""
    finally:
        con.close()


def pct(xs: list[float], q: float) -> float:
    """The q-quantile (nearest rank) of xs."""
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))] if s else float("nan")


def wait_http(url: str, *, within_s: float = 60) -> None:
    """Until GET url answers 200 (the bot is listening)."""
    deadline = time.monotonic() + within_s
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} never answered")
        time.sleep(0.1)


def run(args: argparse.Namespace, tmp: Path) -> dict:
    """Start the world and the bot, send the traffic, check the store, stop both."""
    world_proc = subprocess.Popen([sys.executable, str(ROOT / "bench" / "_load_world.py"), "--listings", args.listings,
                                   "--report", str(tmp / "world.json")], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  text=True)
    world = json.loads(world_proc.stdout.readline())
    db, port = tmp / "bot.db", free_port()
    messages = seed(db)
    write_config(tmp / "bot.toml", db=db, port=port, world=world)
    env = {**os.environ, "SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": SECRET, "OPENAI_API_KEY": "sk-bench",
           "OPENAI_BASE_URL": world["replay"] + "/v1"}
    env.pop("SLACK_APP_TOKEN", None)
    log = (tmp / "bot.log").open("w")
    bot = subprocess.Popen([sys.executable, "-m", "bot", "--config", str(tmp / "bot.toml"), "run"], env=env,
                           stdout=log, stderr=subprocess.STDOUT)
    profiler = None
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz")
        if args.profile:
            spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
            fmt = "raw" if args.profile.endswith(".txt") else "flamegraph"  # raw: collapsed stacks, one per line
            profiler = subprocess.Popen([spy, "record", "-p", str(bot.pid), "-o", args.profile, "-r", "100",
                                         "--nonblocking", "-f", fmt, *(["-d", str(args.profile_seconds)]
                                                                       if args.profile_seconds else [])], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        traffic = plan(messages, commands=args.commands, reactions=args.reactions, users=1000,
                       response_url=world["response_url"])
        timings = asyncio.run(send_all(f"http://127.0.0.1:{port}/slack/events", traffic.hits, secret=SECRET,
                                       concurrency=args.concurrency))
        deadline = time.monotonic() + 120
        live = tmp / "world.json.live"
        while time.monotonic() < deadline and (stored_votes(db) != traffic.expected or daily_status(db) in ("", "running")
                                               or int(live.read_text() or 0) < args.commands):
            time.sleep(0.5)
        votes, status = stored_votes(db), daily_status(db)
    except Exception:
        print((tmp / "bot.log").read_text()[-3000:], file=sys.stderr)  # why the bot did not come up
        raise
    finally:
        if profiler is not None:
            profiler.send_signal(signal.SIGINT)
            profiler.wait(timeout=60)
        bot.send_signal(signal.SIGTERM)
        bot.wait(timeout=60)
        log.close()
        world_proc.stdin.close()
        world_proc.wait(timeout=60)
    if args.bot_log:
        shutil.copy(tmp / "bot.log", args.bot_log)
    report = json.loads((tmp / "world.json").read_text())
    during = [t for t in report["posts_at"] if timings.started <= t <= timings.ended]
    if report["posts_at"]:
        print(f"daily posts from {min(report['posts_at']) - timings.started:+.1f} s to "
              f"{max(report['posts_at']) - timings.started:+.1f} s of the load ({timings.ended - timings.started:.1f} s)")
    return {"timings": timings, "expected": traffic.expected, "votes": votes, "daily": status, "world": world,
            "report": report, "posts_during_load": len(during), "log": (tmp / "bot.log").read_text()}


def print_report(args: argparse.Namespace, r: dict) -> dict:
    """The numbers, as bench/README.md shows them."""
    t = r["timings"]
    print(f"paperbot load benchmark — {date.today()}, {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print(f"{args.commands} commands + {args.reactions} reactions, concurrency {args.concurrency}, "
          f"in {t.ended - t.started:.1f} s; daily run of {r['world']['papers']} papers ({r['report']['llm_calls']} "
          f"LLM calls): {r['daily'] or 'not started'}, {len(r['report']['posts_at'])} Slack posts, "
          f"{r['posts_during_load']} of them during the load")
    print(f"{'ack latency':18} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    summary = {}
    for kind, xs in (*t.ms.items(), ("all", t.ms["command"] + t.ms["reaction"])):
        row = {"n": len(xs), "p50": pct(xs, 0.5), "p95": pct(xs, 0.95), "p99": pct(xs, 0.99), "max": max(xs, default=0)}
        summary[kind] = row
        print(f"{kind:18} {row['n']:6} {row['p50']:8.1f} {row['p95']:8.1f} {row['p99']:8.1f} {row['max']:8.1f}")
    worst = sorted(t.slowest, reverse=True)[:5]
    print("slowest: " + ", ".join(f"{ms:.0f} ms ({kind} sent at +{at:.1f} s)" for ms, at, kind in worst))
    missing = {k: v for k, v in r["expected"].items() if r["votes"].get(k) != v}
    extra = {k: v for k, v in r["votes"].items() if k not in r["expected"]}
    print(f"errors: {len(t.errors)}{' e.g. ' + t.errors[0] if t.errors else ''}")
    print(f"votes: {len(r['expected']) - len(missing)} of {len(r['expected'])} expected votes stored, "
          f"{len(extra)} unexpected; command replies received: {r['report']['responses']} of {args.commands}")
    tracebacks = r["log"].count("Traceback")
    print(f"bot log: {tracebacks} tracebacks, {r['log'].count('database is locked')} 'database is locked'")
    summary.update(errors=len(t.errors), votes_missing=len(missing), votes_extra=len(extra),
                   replies=r["report"]["responses"], posts_during_load=r["posts_during_load"], tracebacks=tracebacks)
    return summary


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark once and print its numbers."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--listings", required=True, help="listings_2025.jsonl.gz (the daily run replays its busiest day)")
    p.add_argument("--commands", type=int, default=1000)
    p.add_argument("--reactions", type=int, default=5000)
    p.add_argument("--concurrency", type=int, default=20)
    p.add_argument("--profile", help="write a py-spy flame graph of the bot process here (needs py-spy)")
    p.add_argument("--profile-seconds", type=int, help="profile only the first N seconds of the load")
    p.add_argument("--bot-log", help="keep the bot's log here (PYTHONASYNCIODEBUG=1 in the environment logs slow steps)")
    p.add_argument("--json", action="store_true", help="also print a JSON summary")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        result = run(args, Path(tmp))
    summary = print_report(args, result)
    if args.json:
        print(json.dumps(summary))
    return 0 if not summary["errors"] and not summary["votes_missing"] else 1


if __name__ == "__main__":
    sys.exit(main())
