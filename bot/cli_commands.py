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

from bot.app import build_deps, open_platforms
from bot.config import Config, TeamConfig
from bot.core.models import ListingEntry, Paper, Request, parse_arxiv_id
from bot.core.render_text import render, render_thread
from bot.core.weekly import date_range, week_bounds
from bot.platforms.console import local_upload, write_attachment
from bot.ports import NotConfigured, UpstreamError
from handlers.daily import digest_json, run_daily
from handlers.deps import Deps
from handlers.publish import PublishReport
from handlers.registry import UserError
from handlers.service import BotService
from handlers.weekly import run_weekly
from storage import papers as paper_store


def _teams(config: Config, name: str | None) -> list[TeamConfig]:
    return [config.team(name)] if name else list(config.teams)


@contextlib.asynccontextmanager
async def _deps(config: Config, *, post: bool) -> AsyncIterator[Deps]:
    deps = build_deps(config)
    try:
        if post:
            async with open_platforms(config) as platforms:
                deps.platforms = platforms
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
                print(json.dumps(digest_json(result.digest, result.candidates, ranker_s=result.ranker_s), ensure_ascii=False))
            elif "console" not in deps.chats:
                print(render_thread(result.thread, fmt=fmt))
            code |= _print_published(result.published, f"paperbot daily ({t.name})")
        return code


async def weekly(config: Config, *, week: str | None, team: str | None, dry_run: bool, fmt: str,
                 force: bool) -> int:
    """`paperbot weekly`: build (or load) the week's report; post it unless --dry-run."""
    async with _deps(config, post=not dry_run) as deps:
        code = 0
        for t in _teams(config, team):
            code |= await print_weekly(t, deps, week=week, dry_run=dry_run, fmt=fmt, force=force)
        return code


async def print_weekly(team: TeamConfig, deps: Deps, *, week: str | None, dry_run: bool, fmt: str,
                       force: bool) -> int:
    """One team's `paperbot weekly`: print the report (text, markdown or json), posting it unless dry_run."""
    try:
        result = await run_weekly(team, deps, week=week, dry_run=dry_run, force=force)
    except (UpstreamError, UserError, NotConfigured) as e:
        print(f"paperbot weekly ({team.name}): {e}" + (" — nothing was posted." if isinstance(e, UpstreamError)
                                                       else ""), file=sys.stderr)
        return 1
    if result.report is None:
        start, end = week_bounds(result.week)
        if fmt == "json":
            print(json.dumps({"team": team.name, "week": result.week, "start": start.isoformat(),
                              "end": end.isoformat(), "papers_analyzed": 0, "report": None}))
        else:
            print(f"No picks stored for {team.name} in {result.week} ({date_range(start, end)}): nothing to report.")
        return 0
    if fmt == "json":
        print(json.dumps(result.report, ensure_ascii=False))
    elif "console" not in deps.chats:  # the console chat printed it already
        assert result.thread is not None
        print(render_thread(result.thread, fmt=fmt))
    if not result.synthesized:
        print(f"{result.week}: using the stored report (--force to write it again)", file=sys.stderr)
    return _print_published(result.published, f"paperbot weekly ({team.name})")


def _print_published(report: PublishReport | None, who: str) -> int:
    """What was posted, and each platform that failed (exit status 1 then; the others were posted)."""
    if report is None:
        return 0
    found = f"; {report.recovered} were found posted by an interrupted run and recorded" if report.recovered else ""
    print(f"posted {report.posted} messages to {report.targets} channel(s); {report.skipped} were already "
          f"posted{found}", file=sys.stderr)
    for failure in report.failed:
        print(f"{who}: {failure}", file=sys.stderr)
    if report.failed:
        names = " and ".join(p.capitalize() for p in report.failed_platforms)
        print(f"{who}: not posted to {names}; the other platforms were. Run it again once that is fixed: it "
              "posts only what is missing.", file=sys.stderr)
    return 1 if report.failed else 0


async def ask(config: Config, line: str, *, user: str, team: str | None, platform: str,
              out: str | None = None) -> int:
    """`paperbot ask "/papers week"`: run one command as a user and print the reply (and write its file)."""
    async with _deps(config, post=False) as deps:
        service = BotService(deps)
        head, _, rest = line.strip().partition(" ")
        t = config.team(team)
        req = Request(platform=platform, team=t.name, channel="cli", user=user, text=rest.strip(),
                      command=head.lstrip("/"), user_name=user, upload=local_upload(head, rest.strip()))
        reply = await service.run_command(req)
        file = reply.attachment
        if file is not None and out == "-":  # the file alone on stdout, for a pipe or a redirect
            print(render(reply, fmt="text"), file=sys.stderr)
            sys.stdout.write(file.data.decode("utf-8", errors="replace"))
            return 0
        print(render(reply, fmt="text"))
        if file is not None:
            print(f"Wrote {write_attachment(file, out)} ({file.title})")
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
    path = Path(file)
    opener = gzip.open if path.suffix == ".gz" else open
    deps = build_deps(config)
    n = 0
    batch: dict[date, list[ListingEntry]] = {}
    loose: list[Paper] = []
    try:
        with opener(path, "rt", encoding="utf-8") as f:
            for lineno, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                try:
                    paper, days = _backfill_row(line)
                except ValueError as e:
                    # Every row before it is stored: rows are upserts, so a re-run after the fix is harmless.
                    await _flush(deps, batch, loose)
                    after_progress = "\n" if n >= 5000 else ""  # end the "loaded N papers…" line first
                    print(f"{after_progress}paperbot backfill: {path}:{lineno}: {e}; stopped there, loaded {n} papers "
                          "before it", file=sys.stderr)
                    return 1
                for d in days:
                    batch.setdefault(d, []).append(ListingEntry(paper, "new"))
                if not days:
                    loose.append(paper)
                n += 1
                if n % 5000 == 0:
                    await _flush(deps, batch, loose)
                    print(f"\rloaded {n} papers…", end="", file=sys.stderr, flush=True)
            await _flush(deps, batch, loose)
    except (OSError, UnicodeDecodeError) as e:
        print(f"paperbot backfill: cannot read {path}: {e}", file=sys.stderr)
        return 1
    finally:
        deps.store.close()
    print(f"\rloaded {n} papers from {path}", file=sys.stderr)
    return 0


def _backfill_row(line: str) -> tuple[Paper, list[date]]:
    """One JSONL row as (paper, listing days); ValueError says what is wrong with it."""
    try:
        r = json.loads(line)
    except json.JSONDecodeError:
        r = None
    if not isinstance(r, dict):
        raise ValueError("not a JSON object with arxiv_id and title")
    arxiv_id = parse_arxiv_id(str(r.get("arxiv_id", "")))  # stored ids never carry a version
    if arxiv_id is None or not isinstance(r.get("title"), str):
        raise ValueError(f"needs an arXiv id and a title (arxiv_id: {str(r.get('arxiv_id'))[:40]!r})")
    try:
        days = [date.fromisoformat(d) for d in r.get("listing_dates") or []]
    except (TypeError, ValueError):
        raise ValueError("listing_dates must be YYYY-MM-DD dates") from None
    paper = Paper(arxiv_id, " ".join(r["title"].split()), " ".join(str(r.get("abstract") or "").split()),
                  tuple(r.get("authors") or ()), tuple(r.get("categories") or ()))
    return paper, days


async def _flush(deps: Deps, batch: dict[date, list[ListingEntry]], loose: list[Paper]) -> None:
    for d, entries in batch.items():
        await deps.store.call(paper_store.save_listing, d, entries)
    await deps.store.call(paper_store.upsert_papers, loose)
    batch.clear()
    loose.clear()
