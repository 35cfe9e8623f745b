"""Selection benchmark through `paperbot daily` itself: cost and recall per scenario, next to the anchor.

    python bench/selection.py --scored /work/shared/bench/scored_2025.jsonl.gz \\
        --listings /work/shared/bench/listings_2025.jsonl.gz [--scenario new-team 3-months year gap no-key \\
        no-key+votes] [--jobs 2] [--no-anchor] [--no-baselines] [--json out.json]

Each scenario is a team on its own store living through replayed days in date order (see
_selection_scenarios.py): day D is ranked by a model that learned only days before D. Candidates of a day
are its recorded picks plus its cs.LG/cs.AI listing papers, all given the same categories (the data's leak
warning); the oracle (bench/oracle.py) answers a pick's recorded scores only when the prompt shows the paper.
Tokens are characters / 4 as the oracle counts them; recall is the share of picks with relevance >= 8 and
novelty >= 7 that reach the digest. The anchor is DaizeDong's two-pass scheme on the same days and oracle.
"""

from __future__ import annotations

import argparse
import importlib
import json
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import _selection_baselines as base
from _selection_anchor import AnchorPrompts
from _selection_data import Data, bench_criteria, read_jsonl
from _selection_scenarios import TUNED_UNTIL, run_scenario, scenarios

ALL = ("new-team", "3-months", "year", "gap", "no-key", "no-key+votes")


def _worker(args: argparse.Namespace, name: str) -> dict[str, Any]:
    """One scenario in its own process (its own oracle server and stores)."""
    for setting in args.set:  # a tuning trial: constants of paperbot's own modules, in this process only
        target, value = setting.split("=", 1)
        module, attr = target.rsplit(".", 1)
        mod = importlib.import_module(module)
        setattr(mod, attr, type(getattr(mod, attr))(value))
    data = Data(read_jsonl(args.scored), read_jsonl(args.listings))
    criteria_dir = args.criteria or args.scored.parent / "criteria_example"
    return run_scenario(data, bench_criteria(criteria_dir), AnchorPrompts.load(criteria_dir),
                        scenarios(data, args.window)[name], anchor=not args.no_anchor)


def pooled(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Totals over days: tokens per candidate, recall, worst day, LLM share, ranker time."""
    cands = sum(r["candidates"] for r in rows) or 1
    targets = sum(r["targets"] for r in rows) or 1
    days = [r for r in rows if r["targets"]]
    worst = min(days, key=lambda r: r["found"] / r["targets"]) if days else None
    out = {"days": len(rows), "candidates": cands, "targets": targets,
           "tokens_per_cand": round(sum(r["tokens"] for r in rows) / cands, 1),
           "recall": round(sum(r["found"] for r in rows) / targets, 4),
           "worst_day": f"{worst['found'] / worst['targets']:.3f} ({worst['found']}/{worst['targets']})" if worst else "",
           "calls": sum(r["calls"] for r in rows)}
    if "sent" in rows[0]:
        out["sent_share"] = round(sum(r["sent"] for r in rows) / cands, 3)
        out["ranker_s_mean"] = round(sum(r["ranker_s"] for r in rows) / len(rows), 2)
        out["ranker_s_max"] = round(max(r["ranker_s"] for r in rows), 2)
    return out


def report(results: list[dict[str, Any]], data: Data, criteria_dir: Path, *, baselines: bool,
           window: str = "eval") -> dict[str, Any]:
    """The scenario table and the ranker table, printed; both returned for --json."""
    table, rankers = [], []
    for res in results:
        for label, days in res["groups"].items():
            ours = [res["ours"][d] for d in days]
            if label.startswith("ranker:"):
                rankers.append(_ranker_row(f"paperbot {label[len('ranker: '):]}", ours, days))
                continue
            row = {"scenario": label, **pooled(ours)}
            if res["anchor"]:
                theirs = pooled([res["anchor"][d] for d in days])
                row["anchor_tokens_per_cand"] = theirs["tokens_per_cand"]
                row["anchor_recall"] = theirs["recall"]
                row["ratio_vs_anchor"] = round(row["tokens_per_cand"] / theirs["tokens_per_cand"], 3)
            table.append(row)
    days = sorted({d for res in results for label, ds in res["groups"].items() if label.startswith("ranker:") for d in ds})
    if baselines and days:
        criteria = bench_criteria(criteria_dir)
        for name, per_day in (("TF-IDF cosine to the criteria", base.tfidf_cosine(data, criteria, days)),
                              ("logistic regression on TF-IDF (history)", base.logistic(data, days)),
                              ("ceiling (every pick first)", base.ceiling(data, days))):
            rankers.append(_ranker_row(name, [{"hits@50": per_day[d], "targets": len(data.day(d).targets)}
                                              for d in days], days))
    ceil = {r["first"] + r["last"]: r["recall@50"] for r in rankers if r["ranker"].startswith("ceiling")}
    for r in rankers:
        r["scaled"] = round(r["recall@50"] / ceil.get(r["first"] + r["last"], 1.0), 3) if ceil else ""
    print(f"\nscenarios (tuned on days up to {TUNED_UNTIL}; window {window}):")
    print(fmt_table(table, ["scenario", "days", "candidates", "targets", "tokens_per_cand", "anchor_tokens_per_cand",
                            "ratio_vs_anchor", "recall", "worst_day", "anchor_recall", "sent_share", "ranker_s_mean",
                            "ranker_s_max"]))
    print("\nrankers alone: recall@50 = share of a day's picks in the ranker's top 50, pooled over the days;"
          " scaled = recall@50 / the ceiling's")
    print(fmt_table(rankers, ["ranker", "days", "first", "last", "targets", "recall@50", "scaled"]))
    return {"scenarios": table, "rankers": rankers}


def _ranker_row(name: str, rows: Sequence[dict[str, Any]], days: Sequence[str]) -> dict[str, Any]:
    targets = sum(r["targets"] for r in rows) or 1
    return {"ranker": name, "days": len(days), "first": min(days), "last": max(days), "targets": targets,
            "recall@50": round(sum(r["hits@50"] for r in rows) / targets, 4), "scaled": ""}


def fmt_table(rows: list[dict[str, Any]], cols: list[str]) -> str:
    """A fixed-width text table (columns no row has are left out)."""
    cols = [c for c in cols if any(c in r for r in rows)]
    widths = [max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in cols]
    lines = ["  ".join(c.rjust(w) for c, w in zip(cols, widths, strict=True))]
    lines += ["  ".join(str(r.get(c, "")).rjust(w) for c, w in zip(cols, widths, strict=True)) for r in rows]
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scored", type=Path, required=True, help="the picker's picks (jsonl[.gz])")
    ap.add_argument("--listings", type=Path, required=True, help="daily listing papers (jsonl[.gz])")
    ap.add_argument("--criteria", type=Path, default=None, help="criteria_example dir (default: next to --scored)")
    ap.add_argument("--scenario", nargs="+", choices=ALL, default=list(ALL), help="scenarios to run (default: all)")
    ap.add_argument("--window", choices=("eval", "tune"), default="eval",
                    help="eval: report on 2025-09..12 (default); tune: the same scenarios on the months before")
    ap.add_argument("--set", action="append", default=[], metavar="MODULE.NAME=VALUE",
                    help="override a constant for a tuning trial, e.g. bot.core.prefilter.TARGET_RECALL=0.96")
    ap.add_argument("--jobs", type=int, default=2, help="scenarios run at once, one process each (default 2)")
    ap.add_argument("--no-anchor", action="store_true", help="skip the anchor's runs")
    ap.add_argument("--no-baselines", action="store_true", help="skip the TF-IDF and logistic regression rankers")
    ap.add_argument("--json", type=Path, default=None, help="write every number here as JSON")
    return ap.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point."""
    args = parse_args(argv)
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        futures = {name: pool.submit(_worker, args, name) for name in args.scenario}
        data = Data(read_jsonl(args.scored), read_jsonl(args.listings))
        results = []
        for name, fut in futures.items():
            results.append(fut.result())
            print(f"{name}: {results[-1]['runs']} daily runs in {results[-1]['wall_s']} s", flush=True)
    out = report(results, data, args.criteria or args.scored.parent / "criteria_example",
                 baselines=not args.no_baselines, window=args.window)
    out["bench_wall_s"] = round(time.perf_counter() - t0, 1)
    print(f"\nwhole bench: {out['bench_wall_s']} s")
    if args.json:
        args.json.write_text(json.dumps({**out, "raw": results}, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
