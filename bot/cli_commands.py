"""The one-shot CLI commands: daily, weekly, ask, demo, doctor, backfill."""

from __future__ import annotations

import contextlib
import gzip
import json
import sys
import tempfile
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date
from pathlib import Path

from bot.app import build_deps, open_chats
from bot.config import Config
from bot.core.models import Paper, Request
from bot.core.render_text import render, render_thread
from bot.ports import UpstreamError
from handlers.daily import digest_json, run_daily
from handlers.deps import Deps
from handlers.registry import UserError
from handlers.service import BotService
from storage import papers as paper_store


def _teams(config: Config, name: str | None) -> list:
    return [config.team(name)] if name else list(config.teams)


@contextlib.asynccontextmanager
async def _deps(config: Config, *, post: bool) -> AsyncIterator[Deps]:
    deps = build_deps(config)
    try:
        if post:
            async with open_chats(config) as chats:
                deps.chats = chats
                yield deps
        else:
            yield deps
    finally:
        deps.store.close()


async def daily(config: Config, *, day: date | None, team: str | None, dry_run: bool, fmt: str) -> int:
    """`paperbot daily`: print the digest; post it unless --dry-run."""
    async with _deps(config, post=not dry_run) as deps:
        code = 0
        for t in _teams(config, team):
            try:
                result = await run_daily(t, deps, day=day, dry_run=dry_run)
            except (UpstreamError, UserError) as e:
                print(f"paperbot daily ({t.name}): {e}", file=sys.stderr)
                code = 1
                continue
            if result.digest is None:
                when = result.day.isoformat() if result.day else (day.isoformat() if day else "today")
                if fmt == "json":
                    print(json.dumps({"date": when, "team": t.name, "scorer": None,
                                      "counts": {"listed": 0, "scanned": 0, "picked": 0, "unscored": 0},
                                      "llm": {"calls": 0, "prompt_tokens": 0, "completion_tokens": 0,
                                              "cost_usd": 0.0},
                                      "papers": [], "unscored": [], "announcement": False}))
                else:
                    print(f"No new arXiv announcement for {when} (weekends and holidays have none).")
                continue
            if fmt == "json":
                print(json.dumps(digest_json(result.digest), ensure_ascii=False))
            elif "console" not in deps.chats:
                print(render_thread(result.thread, fmt=fmt))
            if result.published is not None:
                p = result.published
                print(f"posted {p.posted} messages to {p.targets} channel(s); {p.skipped} were already posted",
                      file=sys.stderr)
        return code


async def weekly(config: Config, *, week: str | None, team: str | None, dry_run: bool, fmt: str,
                 force: bool) -> int:
    """`paperbot weekly`: build (or load) the week's report; post it unless --dry-run."""
    from handlers.weekly import print_weekly

    async with _deps(config, post=not dry_run) as deps:
        code = 0
        for t in _teams(config, team):
            code |= await print_weekly(t, deps, week=week, dry_run=dry_run, fmt=fmt, force=force)
        return code


async def ask(config: Config, line: str, *, user: str, team: str | None, platform: str) -> int:
    """`paperbot ask "/papers week"`: run one command as a user and print the reply."""
    async with _deps(config, post=False) as deps:
        service = BotService(deps)
        head, _, rest = line.strip().partition(" ")
        t = config.team(team)
        req = Request(platform=platform, team=t.name, channel="cli", user=user, text=rest.strip(),
                      command=head.lstrip("/"), user_name=user)
        reply = await service.run_command(req)
        print(render(reply, fmt="text"))
        return 0


async def demo(config: Config) -> int:
    """`paperbot demo`: the real pipeline, offline, on the bundled sample day."""
    from importlib import resources

    from bot.replay import ReplayServer, rss_xml

    raw = resources.files("bot").joinpath("data/demo_day.jsonl.gz").read_bytes()
    rows = [json.loads(line) for line in gzip.decompress(raw).decode().splitlines() if line.strip()]
    papers = [Paper(r["arxiv_id"], r["title"], r["abstract"], tuple(r["authors"]), tuple(r["categories"]))
              for r in rows]
    answers = {r["arxiv_id"]: (r["recorded"]["relevance"], r["recorded"]["novelty"], r["recorded"]["comment"])
               for r in rows if r["recorded"]}
    day = date(2026, 1, 27)
    with ReplayServer(feed=rss_xml([(p, "new") for p in papers], day), answers=answers) as srv, \
            tempfile.TemporaryDirectory() as tmp:
        cfg = replace(
            config,
            storage=replace(config.storage, path=str(Path(tmp) / "demo.db")),
            arxiv=replace(config.arxiv, rss_url=srv.url + "/rss/{categories}", min_interval_s=0.0),
            llm=replace(config.llm, base_url=srv.url + "/v1", api_key="demo", model="gpt-5 (recorded answers)"),
        )
        print(f"paperbot demo: replaying arXiv's {day} listing ({len(papers)} papers) and the answers gpt-5 gave "
              "that day, from a stand-in server on 127.0.0.1. Nothing leaves this machine.\n", file=sys.stderr)
        deps = build_deps(cfg)
        try:
            result = await run_daily(cfg.teams[0], deps, day=None, dry_run=True)
        finally:
            deps.store.close()
    assert result.thread is not None
    print(render_thread(result.thread, fmt="markdown"))
    return 0


async def doctor(config: Config) -> int:
    """`paperbot doctor`: check config, tokens and reachability; print what to fix."""
    from bot.doctor import run_checks

    ok = await run_checks(config)
    return 0 if ok else 1


async def backfill(config: Config, file: str) -> int:
    """`paperbot backfill FILE`: load papers (and their listing days) from JSONL, with progress."""
    from bot.core.models import ListingEntry

    path = Path(file)
    opener = gzip.open if path.suffix == ".gz" else open
    deps = build_deps(config)
    n = 0
    try:
        with opener(path, "rt", encoding="utf-8") as f:
            batch: dict[str, list[ListingEntry]] = {}
            loose: list[Paper] = []
            for line in f:
                r = json.loads(line)
                p = Paper(r["arxiv_id"], " ".join(r["title"].split()), " ".join(r.get("abstract", "").split()),
                          tuple(r.get("authors", ())), tuple(r.get("categories", ())))
                days = r.get("listing_dates") or []
                for d in days:
                    batch.setdefault(d, []).append(ListingEntry(p, "new"))
                if not days:
                    loose.append(p)
                n += 1
                if n % 5000 == 0:
                    await _flush(deps, batch, loose)
                    print(f"\rloaded {n} papers…", end="", file=sys.stderr, flush=True)
            await _flush(deps, batch, loose)
        print(f"\rloaded {n} papers from {path}", file=sys.stderr)
    finally:
        deps.store.close()
    return 0


async def _flush(deps: Deps, batch: dict, loose: list) -> None:
    for d, entries in batch.items():
        await deps.store.call(paper_store.save_listing, date.fromisoformat(d), entries)
    await deps.store.call(paper_store.upsert_papers, loose)
    batch.clear()
    loose.clear()
