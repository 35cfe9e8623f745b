"""SQLite under contention: two processes on one store file, as in production.

The bot (this process: BotService on its Store) takes 1,000 votes (600 reactions, 400 /papers upvote
commands) and 200 other commands, 20 at a time, while a second process runs `paperbot backfill` (long
writes), `paperbot import` (a 3,000-entry reading list), `paperbot daily` and `paperbot weekly` on the
same file. Every vote must be stored, no user may
see an error, and the CLI must neither fail nor print "database is locked".
"""

from __future__ import annotations

import asyncio
import csv
import json
import os
import random
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path

from bot.core.digest_view import digest_thread
from bot.core.models import Digest, ListingEntry, Paper, Pick, ReactionEvent, Request, Score
from handlers.deps import Deps
from handlers.publish import publish
from handlers.service import BotService
from storage import digests, examples, votes
from storage import papers as paper_store
from storage.db import Store, open_db
from tests.support import FakeChat, FixedClock, make_config, make_deps

TEAM = "foundations"
DAY = date(2026, 1, 27)
WORDS = ("sparse experts routing quantization pruning attention memory kernel scaling transformer latent "
         "compression distillation benchmark theory gradient optimizer diffusion graph agent").split()


def synthetic(i: int, rng: random.Random) -> Paper:
    """A paper with a realistic length of abstract (~1,200 characters)."""
    words = " ".join(rng.choice(WORDS) for _ in range(170))
    return Paper(f"2601.{i:05d}", f"Paper {i}: {' '.join(rng.sample(WORDS, 6))}", words.capitalize() + ".",
                 (f"Author {i}", "Someone Else"), ("cs.LG",))


def write_backfill(path: Path, start: int, n: int, rng: random.Random) -> None:
    """A JSONL file of n papers listed over five days (for `paperbot backfill`)."""
    with path.open("w") as f:
        for i in range(start, start + n):
            p = synthetic(i, rng)
            day = DAY - timedelta(days=1 + i % 5)
            f.write(json.dumps({"arxiv_id": p.arxiv_id, "title": p.title, "authors": list(p.authors),
                                "abstract": p.abstract, "categories": ["cs.LG"],
                                "listing_dates": [day.isoformat()]}) + "\n")


def write_reading_list(path: Path, start: int, n: int) -> None:
    """A Zotero CSV export of n backfilled papers (stored already: the import fetches nothing)."""
    with path.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["Key", "Item Type", "Title", "Url", "Abstract Note"])
        out.writerows([f"K{i}", "preprint", f"Paper {i}", f"http://arxiv.org/abs/2601.{i:05d}", ""]
                      for i in range(start, start + n))


def cli_script(tmp_path: Path, db_path: str, rng: random.Random) -> str:
    """What the second process runs: backfill (4,000 papers), a reading list, then daily and weekly."""
    backfill, reading = tmp_path / "backfill.jsonl", tmp_path / "reading.csv"
    write_backfill(backfill, 1000, 4000, rng)
    write_reading_list(reading, 1000, 3000)
    cfg = tmp_path / "cli.toml"
    cfg.write_text((Path(__file__).resolve().parents[2] / "config.toml").read_text().replace(
        'path = "data/paperbot.db"', f'path = "{db_path}"'))
    days = [(DAY - timedelta(days=d)).isoformat() for d in (1, 2, 3)]
    runs = [["backfill", str(backfill)], ["import", str(reading)], *(["daily", "--date", d] for d in days),
            ["weekly", "--week", "2026-W04", "--force"]]
    return (f"import sys\nfrom bot.__main__ import main\nruns = {runs!r}\n"
            f"codes = [main(['--config', {str(cfg)!r}, *r]) for r in runs]\nsys.exit(max(codes))\n")


async def test_votes_and_commands_while_the_cli_writes(tmp_path: Path) -> None:
    rng = random.Random(13)
    config = make_config(tmp_path, team={"slack_channels": ["C1"], "console": True},
                         criteria={"relevance_cutoff": 1, "novelty_cutoff": 1})
    deps = make_deps(config, chats={"slack": FakeChat("slack")})
    service = BotService(deps)
    picks = [synthetic(i, rng) for i in range(1, 41)]
    digest = Digest(TEAM, DAY, "llm:m", 40, 40, tuple(Pick(p, Score(p.arxiv_id, 9, 8, "fits", "llm:m")) for p in picks),
                    digest_size=10)
    await deps.store.call(paper_store.save_listing, DAY, [ListingEntry(p, "new") for p in picks])
    await deps.store.call(digests.save_digest, digest)
    await publish(digest_thread(digest), team=config.teams[0], deps=deps)
    chat = deps.chats["slack"]
    assert isinstance(chat, FakeChat)
    reply_ids = {m.papers[0]: f"m{i + 1}" for i, (_, parent, m) in enumerate(chat.posts) if parent and len(m.papers) == 1}

    script = cli_script(tmp_path, config.storage.path, rng)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI", "SLACK", "DISCORD"))}
    errfile = tmp_path / "cli.err"
    with errfile.open("wb") as stderr:
        proc = await asyncio.create_subprocess_exec(sys.executable, "-c", script, env=env,
                                                    stdout=subprocess.DEVNULL, stderr=stderr)

    expected: dict[str, int] = {}
    failures: list[str] = []
    sem = asyncio.Semaphore(20)
    ids = list(reply_ids)

    async def react(k: int) -> None:
        pid = ids[k % len(ids)]
        await asyncio.sleep(k * 0.004)  # spread over the CLI's run, as users would
        expected[pid] = expected.get(pid, 0) + 1
        async with sem:
            try:
                await service.on_reaction(ReactionEvent("slack", "C1", reply_ids[pid], f"U{k}", "+1", True))
            except Exception as e:  # a vote the bot lost
                failures.append(f"reaction: {e!r}")

    async def command(k: int, line: str) -> None:
        name, _, text = line.partition(" ")
        await asyncio.sleep(k % 1000 * 0.004)
        async with sem:
            msg = await service.run_command(Request("slack", TEAM, "C1", f"W{k}", text, name))
        if "went wrong" in msg.fallback or "not answering" in msg.fallback:
            failures.append(f"/{line}: {msg.fallback}")

    lines = ["papers top", "papers week", "criteria show", "papers search experts routing", "papers mine"]
    work = [react(k) for k in range(600)]
    for k in range(400):
        pid = ids[k % len(ids)]
        expected[pid] = expected.get(pid, 0) + 1
        work.append(command(600 + k, f"papers upvote {pid}"))
    work += [command(k + 200, lines[k % len(lines)]) for k in range(195)]
    work += [command(k + 500, f"criteria add keyword kw{k}") for k in range(5)]
    while not await deps.store.call(paper_store.get_paper, "2601.01000"):  # the CLI has begun writing
        assert proc.returncode is None, "the CLI ended before it wrote anything"
        await asyncio.sleep(0.01)
    await asyncio.gather(*work)
    await asyncio.wait_for(proc.wait(), timeout=240)
    err = await asyncio.to_thread(errfile.read_bytes)
    stored = await deps.store.call(votes.net_votes, TEAM, ids)
    imported = await deps.store.call(examples.count_examples, TEAM)
    deps.store.close()

    lost = sum(expected.values()) - sum(stored.values())
    locked = err.count(b"database is locked")
    print(f"\ncontention: {lost} of {sum(expected.values())} votes lost, {len(failures)} user-visible failures, "
          f"CLI exit {proc.returncode}, {locked} 'database is locked' in its output")
    assert not failures, f"{len(failures)} failures, e.g. {failures[:3]}"
    assert lost == 0 and stored == expected
    assert imported == 3000
    assert b"database is locked" not in err and proc.returncode == 0, err.decode()[-2000:]


def _hold_write_lock(path: str, seconds: float) -> threading.Thread:
    """Another process's writer: takes the write lock, writes, commits after `seconds` (in a thread)."""
    con = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    con.execute("BEGIN IMMEDIATE")
    con.execute("INSERT INTO kv (key, value, updated_at) VALUES ('other', 'process', '')")

    def finish() -> None:
        time.sleep(seconds)
        con.execute("COMMIT")
        con.close()

    t = threading.Thread(target=finish)
    t.start()
    return t


def test_a_vote_waits_for_the_other_writer_instead_of_failing(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "s.db")
    store.sync(paper_store.upsert_papers, [synthetic(1, random.Random(1))])
    store.sync(votes.set_vote, team=TEAM, arxiv_id="2601.00001", platform="slack", user="U0", value=1)
    # Read-then-write under another process's commit: a deferred transaction fails here at once.
    holder = _hold_write_lock(str(tmp_path / "s.db"), 0.5)
    t0 = time.monotonic()
    assert store.sync(votes.set_vote, team=TEAM, arxiv_id="2601.00001", platform="slack", user="U1", value=1)
    holder.join()
    assert time.monotonic() - t0 >= 0.4
    assert store.sync(votes.net_votes, TEAM, ["2601.00001"]) == {"2601.00001": 2}
    store.close()


async def test_a_lock_held_too_long_is_a_friendly_reply_not_a_traceback(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    deps = Deps(config=config, store=Store(open_db(config.storage.path, busy_timeout_s=0.2)), clock=FixedClock())
    await deps.store.call(paper_store.upsert_papers, [synthetic(1, random.Random(1))])
    holder = _hold_write_lock(config.storage.path, 1.0)
    msg = await BotService(deps).run_command(Request("slack", TEAM, "C1", "U1", "upvote 2601.00001", "papers"))
    holder.join()
    deps.store.close()
    assert "The database is not answering right now" in msg.fallback
    assert "went wrong" not in msg.fallback and "Traceback" not in msg.fallback
