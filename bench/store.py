"""Store-scale benchmark: a year of papers (~250k) in SQLite, and how fast the bot answers on it.

    python bench/store.py --listings /work/shared/bench/listings_2025.jsonl.gz \\
        --scored /work/shared/bench/scored_2025.jsonl.gz [--papers 250000] [--db PATH] [--repeat N] [--json]

Builds the store once through the real storage functions (cached at --db; --rebuild forces it), then
reports the ingest rate, the database size, p50/p95/max of /papers week, /papers search, /papers like, vote
recording, /papers stats week|month|all and the daily run's digest query, and the peak RSS of the
bot process idle and during a daily run (arXiv and the LLM replayed from 127.0.0.1). See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sqlite3
import sys
import tempfile
import time
import tomllib
from dataclasses import asdict
from datetime import date, datetime, timedelta
from pathlib import Path

import _store_measure as measure
from _store_data import RealData, YearPlan
from _store_ingest import IngestStats, db_size_mb, fill_rows, ingest, row_sizes
from _store_rss import RssResult, bench_config, daily_rss, idle_rss

from bot.app import build_deps
from bot.config import Config, parse_config
from storage import criteria as criteria_store
from storage import jobs
from storage.db import Store
from storage.scores import ScoreKey

ROOT = Path(__file__).resolve().parents[1]
MARK = "bench:store"  # kv key holding what the cached store was built from, and the ingest stats


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--listings", required=True, help="listings_2025.jsonl.gz (real papers with listing_dates)")
    p.add_argument("--scored", required=True, help="scored_2025.jsonl.gz (real picks with LLM scores)")
    p.add_argument("--papers", type=int, default=250_000, help="papers in the store (default 250000; never fewer than the real ones)")
    p.add_argument("--picks-per-day", type=int, default=37, help="digest picks per day (default 37)")
    p.add_argument("--db", help="store to build or reuse (default data/bench/store-<papers>.db)")
    p.add_argument("--rebuild", action="store_true", help="rebuild the store even if --db exists")
    p.add_argument("--repeat", type=int, default=200, help="runs per latency measure (default 200)")
    p.add_argument("--daily-date", type=date.fromisoformat,
                   help="the day the daily run fetches (default: the real day with the most papers; held out "
                        "of the store)")
    p.add_argument("--no-rss", action="store_true", help="skip the peak-RSS subprocess runs")
    p.add_argument("--json", action="store_true", help="also print a JSON summary on stdout")
    return p.parse_args(argv)


def team_config(db: Path) -> Config:
    """The shipped config with the store at `db` and an LLM configured (its scorer keys the scores)."""
    return parse_config(tomllib.loads(bench_config(db)), {"OPENAI_API_KEY": "bench-not-a-key"}, source="bench")


def open_store(args: argparse.Namespace, plan: YearPlan, db: Path,
               config: Config) -> tuple[Store, ScoreKey, dict, bool]:
    """Open the cached store or (re)build it: the store, the team's score key, the build info, built now?"""
    want = {"papers": args.papers, "picks_per_day": args.picks_per_day, "end": plan.end.isoformat(),
            "held_out": plan.held_out.isoformat(), "seed": plan.seed,
            "inputs": [Path(args.listings).name, Path(args.scored).name]}
    info: dict = {}
    if db.exists() and not args.rebuild:
        store = Store.open(db)
        info = json.loads(jobs.kv_get(store.db, MARK) or "{}")
        key = _key(store, config)
        # Scores are cached per scorer and prompt version: a changed prompt makes the store's scores stale.
        if info.get("built_from") == {**want, "score_key": asdict(key)}:
            return store, key, info, False
        print(f"{db} was built from other inputs or prompts: rebuilding it", file=sys.stderr)
        store.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    store = Store.open(db)
    key = _key(store, config)
    want["score_key"] = asdict(key)
    plan.scorer = key.scorer
    print(f"building {db}: {args.papers:,} papers over {len(plan.days)} days …", file=sys.stderr)
    stats = ingest(store.db, plan, team=config.teams[0].name, key=key)
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    info = {"built_from": want, "built_at": datetime.now().isoformat(timespec="seconds"), "ingest": asdict(stats),
            "size_mb_after_ingest": round(db_size_mb(db), 1), "real_papers": plan.real_papers}
    jobs.kv_set(store.db, MARK, json.dumps(info))
    return store, key, info, True


def _key(store: Store, config: Config) -> ScoreKey:
    """The score key `paperbot daily` uses for the first team with this config's LLM."""
    team = config.teams[0]
    cv = criteria_store.ensure_team(store.db, team.name, team.criteria)
    scorer = build_deps(config, store=store).scorer
    assert scorer is not None
    return ScoreKey(team.name, cv.hash, scorer.name, scorer.prompt_version)


async def latencies(store: Store, config: Config, key: ScoreKey, *, end: date, n: int) -> list[measure.Timing]:
    """Every latency measure, on the bot's Deps with its clock on the store's last day."""
    deps = build_deps(config, store=store)
    deps.clock = measure.clock_on(end)
    team = key.team
    ids = [r[0] for r in store.db.execute("SELECT arxiv_id FROM listings WHERE day = ?", [end.isoformat()])]
    pick_ids = [r[0] for r in store.db.execute("SELECT arxiv_id FROM picks WHERE team = ? AND day = ?",
                                               [team, end.isoformat()])]
    out = [await measure.papers_week(deps, team=team, n=n),
           await measure.papers_search(deps, team=team, n=n),
           *([await measure.papers_like(deps, team=team, n=n)] if measure.commands_ready() else []),
           await measure.vote_recording(deps, team=team, paper_ids=pick_ids, n=n)]
    if measure.commands_ready():
        out += [await measure.papers_stats(deps, team=team, span=span, n=n) for span in ("week", "month", "all")]
    out += await measure.digest_query(deps, team=team, key=key, ids=ids, day=end + timedelta(days=1),
                                      n=max(10, n // 5))
    return out


def rss_runs(db: Path, data: RealData, day: date) -> list[RssResult]:
    """Peak RSS of the idle bot and of a daily run of `day` (held out of the store)."""
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "config.toml"
        cfg.write_text(bench_config(db))
        idle = idle_rss(cfg)
    papers = [data.papers[i] for i in data.day_ids(day.isoformat())]
    answers = {pid: (v.relevance, v.novelty, v.comment) for pid, v in data.picks_on.get(day.isoformat(), [])
               if v.relevance is not None}
    return [idle, *daily_rss(db, day=day, papers=papers, answers=answers)]


def report(summary: dict) -> str:
    """The human-readable table."""
    ing, lines = summary["ingest"], []
    lines.append(f"paperbot store benchmark — {summary['date']}, {summary['machine']}")
    lines.append(f"store: {summary['papers']:,} papers ({summary['real_papers']:,} real), "
                 f"{ing['listing_rows']:,} listing rows over {ing['days']} days, {ing['picks']:,} picks, "
                 f"{ing['scores']:,} scores, {ing['votes']:,} votes; {summary['db']}")
    lines.append(f"ingest: {ing['papers_per_s']:,.0f} papers/s through save_listing "
                 f"({ing['listing_s']:.1f} s); whole year incl. scores, digests, votes {ing['total_s']:.1f} s"
                 + ("" if summary["built_now"] else f" (built {summary['built_at']})"))
    lines.append(f"database size: {summary['size_mb']:,.1f} MB (db + WAL + shm, after a checkpoint)")
    rows, filled = summary["term_rows"], summary["rows_filled"]
    lines.append(f"term rows: {rows['rows']:,} papers, {rows['blob_bytes_per_paper']} bytes/paper as BLOBs"
                 + (f", {rows['bytes_per_paper']} bytes/paper with their index and document frequencies "
                    f"({', '.join(f'{k} {v} MB' for k, v in rows['table_mb'].items())})" if "table_mb" in rows else ""))
    if filled["papers"]:
        lines.append(f"vectorised {filled['papers']:,} papers the cached store had no row for in {filled['s']} s "
                     f"({filled['papers_per_s']:,} papers/s, 250-paper batches as paperbot run does)")
    lines.append("")
    lines.append(f"{'operation':<32}{'n':>5}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}  timed through")
    for t in summary["latency"]:
        lines.append(f"{t['name']:<32}{t['n']:>5}{t['p50_ms']:>10.2f}{t['p95_ms']:>10.2f}{t['max_ms']:>10.2f}"
                     f"  {t['via']}" + (f"; slowest: {t['slowest']}" if t["slowest"] else ""))
    if summary["rss"]:
        lines.append("")
        w = max(len(r["name"]) for r in summary["rss"]) + 2
        lines.append(f"{'process':<{w}}{'peak RSS MB':>12}{'wall s':>8}  what it did")
        for r in summary["rss"]:
            lines.append(f"{r['name']:<{w}}{r['peak_mb']:>12.1f}{r['wall_s']:>8.1f}  {r['detail']}")
    lines.append("")
    for t in summary["latency"]:
        if t["name"] in ("/papers week", "/papers search", "/papers like") or t["name"].startswith("/papers stats"):
            lines.append(f"{t['name']} p95 {t['p95_ms']:.1f} ms: {'under' if t['p95_ms'] < 50 else 'OVER'} the 50 ms "
                         "target")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Build or reuse the store, measure, print."""
    args = parse_args(argv)
    t0 = time.perf_counter()
    db = Path(args.db or ROOT / "data" / "bench" / f"store-{args.papers // 1000}k.db").resolve()
    data = RealData.load(args.listings, args.scored)
    held_out = args.daily_date or data.busiest_day()
    if not data.day_ids(held_out.isoformat()):
        sys.exit(f"--daily-date {held_out}: the bench data has no papers listed or picked that day")
    end = date.fromisoformat(max(data.picks_on))  # the team's last digest day (a few listing dates run later)
    config = team_config(db)
    plan = YearPlan(data, args.papers, end, held_out, scorer="", picks_per_day=args.picks_per_day)
    store, key, info, built_now = open_store(args, plan, db, config)
    try:
        upgrade = fill_rows(store.db)  # a store cached before term rows existed gets them, as paperbot run does
        rows = row_sizes(store.db)
        timings = asyncio.run(latencies(store, config, key, end=plan.days[-1], n=args.repeat))
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size = db_size_mb(db)
        papers = store.db.execute("SELECT count(*) FROM papers").fetchone()[0]
    finally:
        store.close()
    rss = [] if args.no_rss else rss_runs(db, data, held_out)
    ing = dict(info["ingest"])
    ing["papers_per_s"] = IngestStats(**info["ingest"]).papers_per_s
    summary = {
        "date": date.today().isoformat(), "machine": _machine(), "db": str(db), "papers": papers,
        "real_papers": info.get("real_papers"), "built_now": built_now, "built_at": info.get("built_at"),
        "ingest": ing, "size_mb": round(size, 1), "rows_filled": upgrade, "term_rows": rows, "latency": [t.row() for t in timings],
        "rss": [asdict(r) for r in rss], "daily_date": held_out.isoformat(),
        "bench_wall_s": round(time.perf_counter() - t0, 1),
    }
    print(report(summary))
    if args.json:
        print(json.dumps(summary, indent=2))
    return 0


def _machine() -> str:
    return (f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"SQLite {sqlite3.sqlite_version}")


if __name__ == "__main__":
    sys.exit(main())
