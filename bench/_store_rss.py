"""Peak RSS of the bot process on the big store: idle after start-up, and during a daily run.

Run as a script (`python bench/_store_rss.py idle`) it is the idle driver: it builds what
`paperbot run` builds (deps, service, commands, scheduler) on the configured store, prints "ready"
and waits for stdin to close, while the benchmark reads its VmHWM from /proc/<pid>/status.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bot.config import default_config_text
from bot.core.models import Paper

_KEEP_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "PYTHONPATH", "VIRTUAL_ENV", "TMPDIR")


@dataclass
class RssResult:
    """Peak resident memory of one process, and what it did."""

    name: str
    peak_mb: float
    rss_mb: float | None = None  # resident at the moment of reading (idle only)
    wall_s: float = 0.0
    detail: str = ""


def bench_config(db: str | Path, *, server_url: str = "http://127.0.0.1:9") -> str:
    """The shipped config.toml with the store at `db` and arXiv and the LLM at a local stand-in."""
    text = default_config_text()
    subs = [
        (r'(?m)^path = "data/paperbot.db"$', f'path = "{db}"'),
        (r'(?m)^rss_url = ".*"$', f'rss_url = "{server_url}/rss/{{categories}}"'),
        (r'(?m)^api_url = ".*"$', f'api_url = "{server_url}/api/query"'),
        (r'(?m)^min_interval_s = .*$', "min_interval_s = 0.0"),
        (r'(?m)^base_url = ""$', f'base_url = "{server_url}/v1"'),
    ]
    for pattern, repl in subs:
        text, n = re.subn(pattern, repl.replace("\\", "\\\\"), text, count=1)
        if n != 1:
            raise RuntimeError(f"the shipped config.toml changed: {pattern!r} not found")
    return text


def _env() -> dict[str, str]:
    """A clean environment: no Slack/Discord tokens, so nothing connects anywhere."""
    env = {k: v for k, v in os.environ.items() if k in _KEEP_ENV}
    env["OPENAI_API_KEY"] = "bench-not-a-key"
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).resolve().parents[1]), env.get("PYTHONPATH", "")])
    return env


def _status_mb(pid: int, field: str) -> float:
    text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(rf"^{field}:\s+(\d+) kB", text, re.M).group(1)) / 1024  # type: ignore[union-attr]


def idle_rss(config_path: Path, *, settle_s: float = 2.0) -> RssResult:
    """Start the idle driver on the store, read its VmHWM/VmRSS, then close its stdin."""
    t0 = time.perf_counter()
    with tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen([sys.executable, __file__, "idle", str(config_path)], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=err, text=True, env=_env())
        try:
            line = proc.stdout.readline() if proc.stdout else ""
            if not line.startswith("ready"):
                proc.wait(timeout=30)
                err.seek(0)
                raise RuntimeError(f"idle driver failed: {line}{err.read()[-2000:]}")
            time.sleep(settle_s)
            peak, rss = _status_mb(proc.pid, "VmHWM"), _status_mb(proc.pid, "VmRSS")
        finally:
            if proc.stdin:
                proc.stdin.close()
            proc.wait(timeout=30)
    return RssResult("bot process, idle", peak, rss, time.perf_counter() - t0, line.strip())


# A slim launcher between the benchmark and the measured process. A child's ru_maxrss includes the
# high-water mark of the memory it had before exec, which for a child of this (large) benchmark
# process is the benchmark's own RSS: measured directly, a 13 MB child reads as 400 MB. Forked from
# an 8 MB launcher instead, the child's ru_maxrss is its own VmHWM at exit.
_LAUNCHER = """import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as f:
    f.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def _run_peak(cmd: list[str], *, timeout_s: float) -> tuple[int, str, str, float]:
    """Run cmd; return (exit code, stdout, stderr, peak RSS in MB: the kernel's ru_maxrss of cmd at exit)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err, \
            tempfile.NamedTemporaryFile("r", suffix=".maxrss") as peak:
        proc = subprocess.Popen([sys.executable, "-S", "-c", _LAUNCHER, peak.name, *cmd], stdout=out, stderr=err,
                                text=True, env=_env(), start_new_session=True)
        killer = threading.Timer(timeout_s, os.killpg, (proc.pid, signal.SIGKILL))
        killer.start()
        try:
            proc.wait()
        finally:
            killer.cancel()
        out.seek(0)
        err.seek(0)
        kb = peak.read().strip()
        return proc.returncode, out.read(), err.read(), int(kb) / 1024 if kb else float("nan")


def feed_for(papers: list[Paper]) -> list[tuple[Paper, str]]:
    """A cs.LG+cs.AI feed: papers without either category are cross-lists into cs.AI, as on arXiv."""
    out = []
    for p in papers:
        if any(c in ("cs.LG", "cs.AI") for c in p.categories):
            out.append((p, "new"))
        else:
            out.append((Paper(p.arxiv_id, p.title, p.abstract, p.authors, (*p.categories, "cs.AI")), "cross"))
    return out


def daily_rss(db: Path, *, day: date, papers: list[Paper], answers: dict) -> list[RssResult]:
    """`paperbot daily --dry-run --date D --format json` on a copy of the store; arXiv and the LLM replayed.

    Two runs, as a store lives them: first the day before D (the store's newest stored listing), on a
    store without a team model, which learns the stored history once; then D itself, the every-day run
    (load the stored model, rank, learn the day's verdicts, save it).
    """
    from bot.replay import ReplayServer, rss_xml

    out = []
    with tempfile.TemporaryDirectory(dir=db.parent, prefix="daily-run-") as tmp:
        copy = Path(tmp) / db.name
        # The runs store day D and the model: they get a copy, so the cached benchmark store stays as it was.
        for suffix in ("", "-wal"):
            if Path(f"{db}{suffix}").exists():
                shutil.copyfile(f"{db}{suffix}", f"{copy}{suffix}")
        with sqlite3.connect(copy) as conn:
            before = conn.execute("SELECT max(day) FROM listings WHERE day < ?", [day.isoformat()]).fetchone()[0]
        with ReplayServer(feed=rss_xml(feed_for(papers), day), answers=answers) as srv:
            cfg = Path(tmp) / "config.toml"
            cfg.write_text(bench_config(copy, server_url=srv.url))
            for name, when in (("first daily run: no team model yet, learns the stored history once", before),
                               ("daily run (paperbot daily --dry-run), model stored", day.isoformat())):
                cmd = [sys.executable, "-m", "bot", "--config", str(cfg), "daily", "--dry-run", "--date", when,
                       "--format", "json"]
                t0 = time.perf_counter()
                code, text, err, peak_mb = _run_peak(cmd, timeout_s=600)
                wall = time.perf_counter() - t0
                if code != 0:
                    raise RuntimeError(f"paperbot daily failed ({code}): {err[-2000:]}")
                d = json.loads(text.strip().splitlines()[-1])
                c = d["counts"]
                detail = (f"{when}: listed {c['listed']}, scanned {c['scanned']}, picked {c['picked']}, "
                          f"{d['llm']['calls']} LLM calls; ranker {d['timings']['ranker_s']:.2f} s")
                out.append(RssResult(name, peak_mb, None, wall, detail))
    return out


async def _idle_main(config_path: str) -> None:
    from bot.app import build_deps
    from bot.config import load_config
    from bot.platforms.console import console_platform
    from bot.scheduler import build_scheduler
    from handlers.service import BotService
    from storage import papers as paper_store

    config = load_config(config_path)
    deps = build_deps(config)
    service = BotService(deps)
    deps.platforms = {"console": console_platform()}
    commands = len(service.commands)
    scheduler = build_scheduler(config, daily=lambda t: asyncio.sleep(0), weekly=lambda t: asyncio.sleep(0))
    scheduler.start()
    n = await deps.store.call(paper_store.count_papers)
    print(f"ready: {n} papers, {commands} commands", flush=True)
    await asyncio.to_thread(sys.stdin.read)  # idle until the benchmark closes our stdin
    scheduler.shutdown(wait=False)
    deps.store.close()


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "idle":
        asyncio.run(_idle_main(sys.argv[2]))
    else:
        sys.exit("usage: python bench/_store_rss.py idle CONFIG")
