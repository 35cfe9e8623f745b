"""Selection benchmark: cost and recall of paperbot's pipeline vs the anchor's scheme, on replayed days.

    python bench/selection.py --scored /work/shared/bench/scored_2025.jsonl.gz \
        --listings /work/shared/bench/listings_2025.jsonl.gz \
        --days 2025-06-02 2025-07-10 2025-09-16 2025-10-21 2025-11-18 2025-12-09 [--train-until 2025-05-31] \
        [--batch-size 20 40 80] [--max-abstract-chars 600] [--rolling] [--json out.json]

For a day D the candidates are the papers picked on D plus the listing papers of D carrying cs.LG or
cs.AI, all given the same categories and no arXiv comment (fields that differ between the two sources
would leak which papers are picks). The oracle (bench/oracle.py) answers as the README specifies.
The history classifier is trained only on days before the reported days (see `history`).
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import re
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.anchor import AnchorPrompts, run_anchor
from bench.oracle import Known, Oracle, serve
from bot.core.models import Criteria, Paper, Score
from bot.core.ranker import RankerModel, fit_ranker, rank_papers
from bot.llm.client import OpenAIChat
from bot.llm.scoring import LLMScorer
from handlers.selection import select

REPLAY_CATEGORIES = ("cs.LG",)  # every candidate gets the same categories: see the README's leak warning
WANTED = {"cs.LG", "cs.AI"}
TUNING_NOTE = ("hyperparameters (BM25 blend 0.25, target recall 0.98, batch size, abstract length) were tuned on "
               "2025-05-26..2025-05-30 with history <= 2025-05-23; the reported days were never used for tuning")
_RSS_PREFIX = re.compile(r"^\s*arXiv:\S+\s+Announce Type:\s*\S+\s+Abstract:\s*", re.I)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Rows of a .jsonl or .jsonl.gz file."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:  # type: ignore[operator]
        return [json.loads(line) for line in f if line.strip()]


def to_paper(row: dict[str, Any]) -> Paper:
    """A bench row as a Paper, normalised the same way whichever file it comes from."""
    clean = lambda s: re.sub(r"\s+", " ", s or "").strip()  # noqa: E731
    return Paper(arxiv_id=row["arxiv_id"], title=clean(row["title"]), abstract=clean(_RSS_PREFIX.sub("", row["abstract"] or "")),
                 authors=tuple(row.get("authors") or ()), categories=REPLAY_CATEGORIES)


def recorded_score(row: dict[str, Any]) -> Score:
    """The real picker's verdict on a pick (author matches have no numbers)."""
    if row.get("relevance") is None:
        return Score(row["arxiv_id"], None, None, comment="Author match", scorer="llm:oracle", author_match=True)
    return Score(row["arxiv_id"], float(row["relevance"]), float(row["novelty"]), comment=row.get("comment") or "",
                 scorer="llm:oracle")


def is_target(row: dict[str, Any]) -> bool:
    """A pick the recall counts: relevance >= 8 and novelty >= 7."""
    return row.get("relevance") is not None and row["relevance"] >= 8 and row["novelty"] >= 7


def bench_criteria(criteria_dir: Path) -> Criteria:
    """The anchor's topics as a team's criteria; its "Keywords: Relevant:" line becomes the keywords."""
    text = (criteria_dir / "prompts" / "paper_topics.txt").read_text(encoding="utf-8")
    m = re.search(r"^\s*-\s*Relevant:(.*)$", text.split("**Keywords:**", 1)[-1], re.M)
    keywords = tuple(k.strip(" .") for k in (m.group(1).split(",") if m else []) if k.strip(" .") not in ("", "etc"))
    topics = text.replace(m.group(0).strip(), "").strip() if m else text.strip()
    cfg = (criteria_dir / "configs" / "config.ini").read_text(encoding="utf-8")
    cut = lambda key, default: int(re.search(rf"^{key}\s*=\s*(\d+)", cfg, re.M).group(1)) if re.search(rf"^{key}\s*=", cfg, re.M) else default  # noqa: E731
    return Criteria(topics=topics, keywords=keywords, categories=("cs.LG", "cs.AI"),
                    relevance_cutoff=cut("relevance_cutoff", 8), novelty_cutoff=cut("novelty_cutoff", 7))


@dataclass
class Day:
    """One replayed day: its candidates and the picker's recorded picks."""

    day: str
    papers: list[Paper]
    picks: dict[str, dict[str, Any]]

    @property
    def targets(self) -> set[str]:
        """Ids of the picks the recall counts."""
        return {i for i, r in self.picks.items() if is_target(r)}

    def known(self) -> dict[str, Known]:
        """What the oracle knows today."""
        out = {p.arxiv_id: Known(p.title, p.abstract) for p in self.papers}
        for i, r in self.picks.items():
            if r.get("relevance") is not None:
                out[i] = Known(out[i].title, out[i].abstract, int(r["relevance"]), int(r["novelty"]), r.get("comment") or "")
        return out


class Data:
    """Both files, indexed by day."""

    def __init__(self, scored: list[dict[str, Any]], listings: list[dict[str, Any]]) -> None:
        self.scored = scored
        self.listings = [r for r in listings if WANTED & set(r.get("categories") or ())]
        self.scored_ids = {r["arxiv_id"] for r in scored}
        self.first_listing_day = min(min(r["listing_dates"]) for r in self.listings) if self.listings else "9999"

    def day(self, d: str) -> Day:
        """Candidates of day d: its picks, then its cs.LG/cs.AI listing papers."""
        picks = {r["arxiv_id"]: r for r in self.scored if r["digest_date"] == d}
        papers = {i: to_paper(r) for i, r in picks.items()}
        for r in self.listings:
            if d in r["listing_dates"] and r["arxiv_id"] not in papers:
                papers[r["arxiv_id"]] = to_paper(r)
        return Day(d, list(papers.values()), picks)

    def history(self, *, until: str, skip: Iterable[str] = ()) -> tuple[list[tuple[Paper, Score]], list[str]]:
        """The team's past scores on days in [first listing day, until], minus `skip` days.

        Positives are the picks of those days with their recorded scores; negatives the listing
        papers of those days nobody picked (the oracle would have said 3/3). Days before the
        listing crawl are left out: a real team's history has both kinds of days from day one.
        """
        skip = set(skip)
        ok = lambda d: self.first_listing_day <= d <= until and d not in skip  # noqa: E731
        rows = [(to_paper(r), recorded_score(r)) for r in self.scored if ok(r["digest_date"])]
        seen = {p.arxiv_id for p, _ in rows}
        days = {r["digest_date"] for r in self.scored if ok(r["digest_date"])}
        for r in self.listings:
            first = min(r["listing_dates"])
            if ok(first) and r["arxiv_id"] not in self.scored_ids and r["arxiv_id"] not in seen:
                seen.add(r["arxiv_id"])
                rows.append((to_paper(r), Score(r["arxiv_id"], 3.0, 3.0, scorer="llm:oracle")))
                days.add(first)
        return rows, sorted(days)


@dataclass
class Run:
    """Cost and recall of one method on one day."""

    day: str
    method: str
    candidates: int
    targets: int
    calls: int = 0
    prompt_chars: int = 0
    completion_chars: int = 0
    found: int = 0  # targets in the final digest
    digest: int = 0  # papers in the final digest
    wall_s: float = 0.0  # excluding the oracle
    sent: int = 0  # papers the LLM was shown
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def tokens(self) -> float:
        """Prompt + completion tokens, as characters / 4."""
        return (self.prompt_chars + self.completion_chars) / 4

    @property
    def recall(self) -> float:
        """Share of targets in the digest."""
        return self.found / self.targets if self.targets else 1.0

    def row(self) -> dict[str, Any]:
        """Flat dict for tables and JSON."""
        n = max(self.candidates, 1)
        return {"day": self.day, "method": self.method, "candidates": self.candidates, "targets": self.targets,
                "calls": self.calls, "sent": self.sent,
                "prompt_chars_per_cand": round(self.prompt_chars / n, 1),
                "completion_chars_per_cand": round(self.completion_chars / n, 1),
                "prompt_tokens_per_cand": round(self.prompt_chars / 4 / n, 1),
                "completion_tokens_per_cand": round(self.completion_chars / 4 / n, 1),
                "tokens_per_cand": round(self.tokens / n, 1), "recall": round(self.recall, 4), "found": self.found,
                "digest": self.digest, "wall_s": round(self.wall_s, 3), **self.extra}


def total(runs: Sequence[Run], method: str) -> Run:
    """Sum of runs over days."""
    out = Run("overall", method, 0, 0)
    for r in runs:
        out.candidates += r.candidates
        out.targets += r.targets
        out.calls += r.calls
        out.prompt_chars += r.prompt_chars
        out.completion_chars += r.completion_chars
        out.found += r.found
        out.digest += r.digest
        out.wall_s += r.wall_s
        out.sent += r.sent
        for k, v in r.extra.items():
            if isinstance(v, int | float) and not isinstance(v, bool) and k.startswith("n_"):
                out.extra[k] = out.extra.get(k, 0) + v
    return out


class Timer:
    """Wall time of a block minus the time the oracle was busy inside it."""

    def __init__(self, oracle: Oracle) -> None:
        self.oracle = oracle

    def __enter__(self) -> Timer:
        self.t0, self.b0 = time.perf_counter(), self.oracle.stats.busy_s
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.t0 - (self.oracle.stats.busy_s - self.b0)


async def run_ours(day: Day, model: RankerModel, criteria: Criteria, oracle: Oracle, base_url: str, *,
                   batch_size: int, concurrency: int, max_abstract_chars: int) -> Run:
    """paperbot's real pipeline: handlers.selection.select with the real LLMScorer over OpenAIChat."""
    chat = OpenAIChat(model="oracle", base_url=base_url, max_retries=0)
    scorer = LLMScorer(chat, batch_size=batch_size, concurrency=concurrency, max_abstract_chars=max_abstract_chars)
    oracle.known = day.known()
    with Timer(oracle) as t:
        sel = await select(day.papers, criteria, scorer=scorer, ranker=model)
    await chat.aclose()
    picked = {p.paper.arxiv_id for p in sel.picks}
    targets = day.targets
    pf = sel.prefilter
    kept_targets = sum(1 for i in targets if sel.status.get(i) != "filtered")
    return Run(day.day, "ours", len(day.papers), len(targets), calls=len(sel.calls),
               prompt_chars=sum(c.prompt_chars for c in sel.calls),
               completion_chars=sum(c.completion_chars for c in sel.calls), found=len(targets & picked),
               digest=len(sel.picks), wall_s=t.seconds, sent=pf.sent,
               extra={"n_decided_locally": pf.decided_locally, "n_unscored": len(sel.unscored),
                      "n_prefilter_kept_targets": kept_targets, "cutoff": pf.cutoff})


async def run_anchor_day(day: Day, criteria: Criteria, oracle: Oracle, base_url: str, prompts: AnchorPrompts, *,
                         title_filter: str) -> Run:
    """The anchor's two-pass scheme through the same client and oracle."""
    chat = OpenAIChat(model="oracle", base_url=base_url, max_retries=0)
    oracle.known = day.known()
    oracle.title_filter = title_filter
    with Timer(oracle) as t:
        res = await run_anchor(day.papers, chat, prompts, relevance_cutoff=criteria.relevance_cutoff,
                               novelty_cutoff=criteria.novelty_cutoff)
    await chat.aclose()
    oracle.title_filter = "none"
    targets = day.targets
    return Run(day.day, f"anchor[{title_filter}]", len(day.papers), len(targets), calls=len(res.calls),
               prompt_chars=sum(c.prompt_chars for c in res.calls),
               completion_chars=sum(c.completion_chars for c in res.calls),
               found=len(targets & set(res.selected)), digest=len(res.selected), wall_s=t.seconds,
               sent=len(day.papers) - len(res.title_dropped))


async def run_local(day: Day, model: RankerModel, criteria: Criteria) -> Run:
    """The local ranker alone: recall@digest_size and @50 of its ranking, and its stand-alone digest."""
    t0 = time.perf_counter()
    ranked = rank_papers(model, day.papers)
    sel = await select(day.papers, criteria, scorer=None, ranker=model)
    wall = time.perf_counter() - t0
    targets = day.targets
    order = [r.arxiv_id for r in ranked]
    at = lambda k: len(targets & set(order[:k])) / len(targets) if targets else 1.0  # noqa: E731
    top = {p.paper.arxiv_id for p in sel.picks[: criteria.digest_size]}
    return Run(day.day, model.name, len(day.papers), len(targets), found=len(targets & top),
               digest=len(sel.picks), wall_s=wall,
               extra={f"recall@{criteria.digest_size}": round(at(criteria.digest_size), 4), "recall@50": round(at(50), 4),
                      f"n_hits@{criteria.digest_size}": len(targets & set(order[: criteria.digest_size])),
                      "n_hits@50": len(targets & set(order[:50]))})


def fmt_table(rows: list[dict[str, Any]], cols: list[str]) -> str:
    """A fixed-width text table."""
    widths = [max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in cols]
    lines = ["  ".join(c.rjust(w) for c, w in zip(cols, widths, strict=True))]
    lines += ["  ".join(str(r.get(c, "")).rjust(w) for c, w in zip(cols, widths, strict=True)) for r in rows]
    return "\n".join(lines)


def day_before(d: str) -> str:
    """The ISO date before d."""
    return (date.fromisoformat(d) - timedelta(days=1)).isoformat()


def fit(data: Data, criteria: Criteria, *, until: str, skip: Sequence[str], target_recall: float) -> tuple[RankerModel, dict[str, Any]]:
    """Train the ranker on the history up to `until` (never a reported day) and describe it."""
    history, days = data.history(until=until, skip=skip)
    t0 = time.perf_counter()
    model = fit_ranker(criteria, history, target_recall=target_recall)
    info = {"history_days": len(days), "history_first": days[0] if days else "", "history_last": days[-1] if days else "",
            "history_papers": len(history), "positives": model.positives, "negatives": model.negatives,
            "cutoff": model.cutoff, "cutoff_recall": model.cutoff_recall, "cutoff_keep": model.cutoff_keep,
            "fit_s": round(time.perf_counter() - t0, 2), "name": model.name}
    return model, info


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    """Run every method on every day; return the summary."""
    data = Data(read_jsonl(args.scored), read_jsonl(args.listings))
    criteria_dir = args.criteria or args.scored.parent / "criteria_example"
    criteria = bench_criteria(criteria_dir)
    prompts = AnchorPrompts.load(criteria_dir)
    days = [data.day(d) for d in sorted(args.days)]
    reported = [d.day for d in days]
    until = args.train_until or day_before(reported[0])
    if not args.rolling and until >= reported[0]:
        raise SystemExit(f"--train-until {until} must be before the first reported day {reported[0]}")
    models: dict[str, tuple[RankerModel, dict[str, Any]]] = {}
    if args.rolling:
        for d in reported:
            models[d] = fit(data, criteria, until=day_before(d), skip=reported, target_recall=args.target_recall)
    else:
        shared = fit(data, criteria, until=until, skip=reported, target_recall=args.target_recall)
        models = {d: shared for d in reported}
    print(f"reported days: {', '.join(reported)}")
    for d in reported if args.rolling else reported[:1]:
        i = models[d][1]
        scope = f"for {d}" if args.rolling else "for every reported day"
        print(f"history {scope}: {i['history_days']} days {i['history_first']}..{i['history_last']} "
              f"({i['positives']} picks, {i['negatives']} non-picks; reported days excluded), fit {i['fit_s']} s; "
              f"prefilter cut-off {i['cutoff']:.2f}: held-out recall {i['cutoff_recall']:.1%}, "
              f"non-picks kept {i['cutoff_keep']:.1%}")
    print(f"tuning: {TUNING_NOTE}")

    result: dict[str, Any] = {"days": reported, "train_until": None if args.rolling else until, "rolling": args.rolling,
                              "criteria_dir": str(criteria_dir), "models": {d: models[d][1] for d in reported},
                              "per_day": [], "overall": {}, "batch_table": []}
    oracle = Oracle({})
    with serve(oracle) as server:
        by_size: dict[int, list[Run]] = {}
        for size in args.batch_size:
            by_size[size] = [await run_ours(d, models[d.day][0], criteria, oracle, server.base_url, batch_size=size,
                                            concurrency=args.concurrency, max_abstract_chars=args.max_abstract_chars)
                             for d in days]
        anchors = {tf: [await run_anchor_day(d, criteria, oracle, server.base_url, prompts, title_filter=tf)
                        for d in days] for tf in args.anchor_title}
        local = [await run_local(d, models[d.day][0], criteria) for d in days]
        not_shown = oracle.stats.not_shown
    ours = by_size[args.batch_size[0]]
    anchor = anchors[args.anchor_title[0]]
    for group in (ours, *anchors.values(), local):
        result["per_day"].extend(r.row() for r in group)
    overall = [total(ours, "ours"), *(total(a, a[0].method) for a in anchors.values()), total(local, local[0].method)]
    result["overall"] = {r.method: r.row() for r in overall}
    for name, key in ((f"recall@{criteria.digest_size}", f"n_hits@{criteria.digest_size}"), ("recall@50", "n_hits@50")):
        result["overall"][local[0].method][name] = round(overall[-1].extra[key] / max(overall[-1].targets, 1), 4)
    for size, runs in by_size.items():
        t = total(runs, f"ours bs={size}")
        result["batch_table"].append({"batch_size": size, **{k: v for k, v in t.row().items() if k != "day"}})
    o, a = overall[0], overall[1]
    ratio = (o.tokens / o.candidates) / (a.tokens / a.candidates)
    result["ratio_tokens_ours_anchor"] = round(ratio, 3)
    result["ratio_calls_ours_anchor"] = round(o.calls / max(a.calls, 1), 3)
    result["oracle_not_shown"] = not_shown
    result["batch_size"] = args.batch_size[0]
    result["max_abstract_chars"] = args.max_abstract_chars
    result["targets_met"] = {"tokens_per_candidate<=1/3_anchor": ratio <= 1 / 3, "recall>=0.97": o.recall >= 0.97}

    cols = ["day", "method", "candidates", "targets", "calls", "sent", "prompt_tokens_per_cand",
            "completion_tokens_per_cand", "tokens_per_cand", "recall", "digest", "wall_s"]
    print("\nper day (tokens = characters / 4; recall = picks with relevance>=8, novelty>=7 in the final digest)")
    print(fmt_table([r.row() for r in (*ours, *anchor)], cols))
    print("\noverall")
    print(fmt_table([r.row() for r in overall[:-1]], cols))
    print(f"ratio ours/anchor: tokens per candidate {ratio:.3f}, calls {result['ratio_calls_ours_anchor']:.3f}; "
          f"papers the oracle found not shown: {not_shown}")
    print("\nbatch sizes (ours, overall)")
    print(fmt_table(result["batch_table"], ["batch_size", "calls", "prompt_tokens_per_cand", "completion_tokens_per_cand",
                                            "tokens_per_cand", "recall", "wall_s"]))
    k = criteria.digest_size
    print(f"\nlocal ranker alone ({local[0].method}): recall@{k} = share of a day's picks in its top {k}")
    lrows = [r.row() for r in local] + [result["overall"][local[0].method]]
    print(fmt_table(lrows, ["day", "candidates", "targets", f"recall@{k}", "recall@50", "found", "digest", "wall_s"]))
    print(f"(found = picks among the stand-alone local digest's top {k})")
    return result


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scored", type=Path, required=True, help="the picker's picks (jsonl[.gz])")
    ap.add_argument("--listings", type=Path, required=True, help="daily listing papers (jsonl[.gz])")
    ap.add_argument("--days", nargs="+", required=True, help="reported digest days (ISO dates)")
    ap.add_argument("--train-until", default=None, help="last history day (default: the day before the first reported day)")
    ap.add_argument("--rolling", action="store_true", help="train a ranker per reported day on all earlier days")
    ap.add_argument("--criteria", type=Path, default=None, help="criteria_example dir (default: next to --scored)")
    ap.add_argument("--batch-size", type=int, nargs="+", default=[40], help="LLMScorer batch sizes (first one is detailed)")
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--max-abstract-chars", type=int, default=600)
    ap.add_argument("--target-recall", type=float, default=0.98, help="prefilter recall of past picks to keep")
    ap.add_argument("--anchor-title", nargs="+", default=["none"], choices=["none", "perfect"],
                    help="oracle for the anchor's title pass: drops nothing, or exactly the non-picks")
    ap.add_argument("--json", type=Path, default=None, help="write the summary here as JSON ('-' for stdout)")
    return ap.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point."""
    args = parse_args(argv)
    t0 = time.perf_counter()
    result = asyncio.run(bench(args))
    result["bench_wall_s"] = round(time.perf_counter() - t0, 1)
    print(f"\nwhole bench: {result['bench_wall_s']} s (incl. data loading, training and the oracle)")
    if args.json:
        text = json.dumps(result, indent=2, default=str)
        if str(args.json) == "-":
            print(text)
        else:
            args.json.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
