"""First-start benchmark: how long `paperbot run` takes on an empty store to be useful, against local fakes.

    python bench/first_start.py --listings /work/shared/bench/listings_2025.jsonl.gz \\
        [--per-day 600] [--interval 3.0] [--page-size 1000] [--llm]

Real papers (the listings file's cs.LG / cs.AI papers, topped up with its other papers to --per-day) are
served as the last eight announcement days by the fake arXiv of tests/fakes (RSS empty: a weekend start;
OAI-PMH ListRecords, --page-size records a page). The real first start runs on them in-process: the real
requests client through the real Throttle at --interval seconds (arXiv's rule is 3.0), the local ranker
(or, with --llm, the fake OpenAI server answering every batch), the console as the platform. It prints the
requests made and the seconds spent fetching, scoring and posting.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import io
import json
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.app import build_deps
from bot.core.models import Paper
from bot.platforms.console import console_platform
from handlers.first_start import NoProgress, first_start
from tests.fakes.arxiv_oai import FakeOai, OaiSpec, last_weekdays
from tests.fakes.arxiv_server import ArxivServer, render_rss
from tests.fakes.openai_server import FakeOpenAI, ids_in
from tests.support import make_config


def load_days(path: Path, per_day: int, days: list[date]) -> list[OaiSpec]:
    """Real papers, cs.LG / cs.AI first, --per-day of them on each announcement day."""
    rows = [json.loads(line) for line in gzip.open(path, "rt", encoding="utf-8")]
    rows.sort(key=lambda r: not ({"cs.LG", "cs.AI"} & set(r.get("categories") or [])))
    specs = []
    for i, d in enumerate(days):
        for r in rows[i * per_day:(i + 1) * per_day]:
            cats = tuple(r.get("categories") or ("cs.LG",))
            cats = cats if {"cs.LG", "cs.AI"} & set(cats) else ("cs.LG", *cats)  # every one is a candidate
            p = Paper(r["arxiv_id"], " ".join(r["title"].split()), " ".join(r["abstract"].split()),
                      tuple(r["authors"]), cats, arxiv_comment=r.get("comment") or "")
            specs.append(OaiSpec(p, d, d - timedelta(days=2)))
    return specs


async def run(args: argparse.Namespace) -> dict:
    """One first start; the measured numbers."""
    days = last_weekdays(8)
    specs = load_days(Path(args.listings), args.per_day, days)
    with ArxivServer() as arxiv, tempfile.TemporaryDirectory() as tmp:
        arxiv.rss("cs.LG+cs.AI", render_rss([], day=datetime.now(UTC).date()))
        arxiv.oai = FakeOai(specs, page_size=args.page_size)
        config = make_config(Path(tmp), arxiv={"rss_url": arxiv.rss_url, "api_url": arxiv.api_url,
                                               "oai_url": arxiv.oai_url, "min_interval_s": args.interval},
                             startup={"backfill_days": 7})
        llm = FakeOpenAI().start() if args.llm else None
        if llm is not None:
            llm.answer = lambda req: json.dumps({"papers": [{"id": i, "relevance": 5, "novelty": 5, "comment": "ok"}
                                                            for i in ids_in(req)]})
            config = replace(config, llm=replace(config.llm, base_url=llm.base_url, api_key="bench"))
        deps = build_deps(config)
        deps.platforms = {"console": console_platform(io.StringIO())}
        timer = PhaseTimer()
        try:
            started = time.perf_counter()
            done = await first_start(deps, progress=timer)
            total = time.perf_counter() - started
        finally:
            deps.store.close()
            if llm is not None:
                llm.stop()
        assert done is not None
        return {"papers_per_day": args.per_day, "interval_s": args.interval, "page_size": args.page_size,
                "scorer": "llm (fake server)" if args.llm else "local ranker", "days": len(done.days),
                "requests": len(arxiv.requests), "oai_requests": sum(r.path == "/oai" for r in arxiv.requests),
                "fetch_s": round(timer.phases.get("Fetching arXiv announcement days", 0.0), 1),
                "score_s": round(timer.phases.get("Scoring for each team", 0.0), 1),
                "post_s": round(sum(v for k, v in timer.phases.items() if k.startswith("Posting")), 1),
                "total_s": round(total, 1)}


class PhaseTimer(NoProgress):
    """Progress that times each phase."""

    def __init__(self) -> None:
        self.phases: dict[str, float] = {}
        self._title, self._at = "", 0.0

    def phase(self, title: str, *, total: int, unit: str, done: int = 0) -> None:
        """Start timing a phase (closing the last)."""
        self.close()
        self._title, self._at = title, time.perf_counter()

    def close(self) -> None:
        """Stop timing the current phase."""
        if self._title:
            self.phases[self._title] = time.perf_counter() - self._at
            self._title = ""


def main() -> None:
    """Parse arguments, run, print the numbers as JSON."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--listings", required=True, help="listings_2025.jsonl.gz of the benchmark data")
    p.add_argument("--per-day", type=int, default=600, help="papers announced per day (cs.LG+cs.AI: ~600)")
    p.add_argument("--interval", type=float, default=3.0, help="seconds between arXiv requests (arXiv: 3.0)")
    p.add_argument("--page-size", type=int, default=1000, help="records per OAI-PMH page (arXiv: 1000)")
    p.add_argument("--llm", action="store_true", help="score with the fake OpenAI server instead of the ranker")
    print(json.dumps(asyncio.run(run(p.parse_args())), indent=1))


if __name__ == "__main__":
    main()
