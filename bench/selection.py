"""Selection benchmark: cost and recall of paperbot's pipeline vs the anchor's scheme, on replayed days.

    python bench/selection.py --scored /work/shared/bench/scored_2025.jsonl.gz \
        --listings /work/shared/bench/listings_2025.jsonl.gz \
        --days 2025-06-02 2025-07-10 2025-09-16 2025-10-21 2025-11-18 2025-12-09 [--train-until 2025-05-31] \
        [--rolling] [--batch-size 50 20 80] [--max-abstract-chars 600 1200] [--anchor-title none perfect] \
        [--json out.json]

For a day D the candidates are the papers picked on D plus the listing papers of D carrying cs.LG or
cs.AI, all given the same categories and no arXiv comment (fields that differ between the two sources
would leak which papers are picks). The oracle (bench/oracle.py) answers as the README specifies.
The history classifier is trained only on days before the reported days (see `history`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from _selection_anchor import AnchorPrompts, run_anchor
from _selection_data import Data, Day, bench_criteria, read_jsonl
from oracle import Oracle, serve

from bot.core.models import Criteria
from bot.core.ranker import RankerModel, fit_ranker, rank_papers
from bot.llm.client import OpenAIChat
from bot.llm.scoring import LLMScorer
from handlers.selection import select

TUNING_NOTE = ("ranker features and hyperparameters (SGD rate, BM25 blend 0.25, target recall 0.98) were tuned on "
               "3 windows of 5 days (2025-05-19..23, 05-26..30, 08-18..22, each with the history before it), "
               "never on a reported day; batch size and abstract length are the measured table below")


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
    """The local ranker alone: recall@digest_size and @50 of its ranking, and its stand-alone digest.

    `found` counts picks among the top `digest_size` of the stand-alone digest (its precision).
    """
    t0 = time.perf_counter()
    ranked = rank_papers(model, day.papers)
    sel = await select(day.papers, criteria, scorer=None, ranker=model)
    wall = time.perf_counter() - t0
    targets = day.targets
    order = [r.arxiv_id for r in ranked]
    at = lambda k: len(targets & set(order[:k])) / len(targets) if targets else 1.0  # noqa: E731
    top = {p.paper.arxiv_id for p in sel.picks[: criteria.digest_size]}
    return Run(day.day, model.name, len(day.papers), len(targets), found=len(targets & top),
               digest=len(sel.picks), wall_s=wall, sent=0,
               extra={f"recall@{criteria.digest_size}": round(at(criteria.digest_size), 4), "recall@50": round(at(50), 4),
                      "n_background": len(day.papers) - len(day.picks),
                      f"n_hits@{criteria.digest_size}": len(targets & set(order[: criteria.digest_size])),
                      "n_hits@50": len(targets & set(order[:50])),
                      "scored": [(r.score, r.arxiv_id in targets) for r in ranked]})


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


def _local_summary(runs: Sequence[Run], k: int) -> dict[str, Any]:
    """Pooled recall@k / @50 of a local ranker, over all days and over days with a background."""
    out: dict[str, Any] = {}
    for scope, rs in (("all days", runs), ("days with background", [r for r in runs if r.extra["n_background"]])):
        t = sum(r.targets for r in rs) or 1
        out[scope] = {"days": len(rs), "candidates": sum(r.candidates for r in rs), "targets": sum(r.targets for r in rs),
                      f"recall@{k}": round(sum(r.extra[f"n_hits@{k}"] for r in rs) / t, 4),
                      "recall@50": round(sum(r.extra["n_hits@50"] for r in rs) / t, 4),
                      f"digest_precision@{k}": round(sum(r.found for r in rs) / max(k * len(rs), 1), 4)}
        out[scope].update(_separation([x for r in rs for x in r.extra["scored"]]))
    return out


def _separation(scored: list[tuple[float, bool]]) -> dict[str, float]:
    """AUC of picks vs the rest, and the share of non-picks a threshold keeping 97 % of picks keeps."""
    pos = sorted(s for s, y in scored if y)
    neg = [s for s, y in scored if not y]
    if not pos or not neg:
        return {"auc": float("nan"), "nonpicks_kept@97": float("nan")}
    ranked = sorted(scored)
    rank_sum = sum(i + 1 for i, (_, y) in enumerate(ranked) if y)  # ties are rare with float scores
    auc = (rank_sum - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg))
    cut = pos[int((1 - 0.97) * len(pos))]
    return {"auc": round(auc, 3), "nonpicks_kept@97": round(sum(s >= cut for s in neg) / len(neg), 3)}


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    """Run every method on every day; print the tables and return the summary."""
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
    bm25_only = fit_ranker(criteria, ())
    print(f"reported days: {', '.join(reported)}")
    for d in reported if args.rolling else reported[:1]:
        i = models[d][1]
        scope = f"for {d}" if args.rolling else "for every reported day"
        print(f"history {scope}: {i['history_days']} days {i['history_first']}..{i['history_last']} "
              f"({i['positives']} picks, {i['negatives']} non-picks; reported days excluded), fit {i['fit_s']} s; "
              f"prefilter cut-off {i['cutoff']:.2f}: held-out recall {i['cutoff_recall']:.1%}, "
              f"non-picks kept {i['cutoff_keep']:.1%}")
    print(f"tuning: {TUNING_NOTE}")

    grid = [(b, m) for m in args.max_abstract_chars for b in args.batch_size]
    result: dict[str, Any] = {"days": reported, "train_until": None if args.rolling else until, "rolling": args.rolling,
                              "criteria_dir": str(criteria_dir), "batch_size": grid[0][0],
                              "max_abstract_chars": grid[0][1], "concurrency": args.concurrency,
                              "models": {d: models[d][1] for d in reported}, "per_day": [], "overall": {},
                              "grid": [], "local": {}}
    oracle = Oracle({})
    with serve(oracle) as server:
        by_cell: dict[tuple[int, int], list[Run]] = {}
        for size, chars in grid:
            by_cell[(size, chars)] = [
                await run_ours(d, models[d.day][0], criteria, oracle, server.base_url, batch_size=size,
                               concurrency=args.concurrency, max_abstract_chars=chars) for d in days]
        not_shown_ours = oracle.stats.not_shown
        anchors = {tf: [await run_anchor_day(d, criteria, oracle, server.base_url, prompts, title_filter=tf)
                        for d in days] for tf in args.anchor_title}
    local = [await run_local(d, models[d.day][0], criteria) for d in days]
    local_bm25 = [await run_local(d, bm25_only, criteria) for d in days]
    ours = by_cell[grid[0]]
    anchor = anchors[args.anchor_title[0]]
    for group in (ours, *anchors.values()):
        result["per_day"].extend(r.row() for r in group)
    overall = [total(ours, "ours"), *(total(a, a[0].method) for a in anchors.values())]
    result["overall"] = {r.method: r.row() for r in overall}
    result["overall"]["ours"]["prefilter_recall"] = round(
        sum(r.extra["n_prefilter_kept_targets"] for r in ours) / max(overall[0].targets, 1), 4)
    o, a = overall[0], overall[1]
    for (size, chars), runs in by_cell.items():
        t = total(runs, "ours")
        result["grid"].append({"batch_size": size, "max_abstract_chars": chars,
                               "ratio_vs_anchor": round((t.tokens / t.candidates) / (a.tokens / a.candidates), 3),
                               **{k: v for k, v in t.row().items() if k not in ("day", "method")}})
    k = criteria.digest_size
    result["local"] = {local[0].method: _local_summary(local, k), "local:bm25 (no history)": _local_summary(local_bm25, k)}
    ratio = (o.tokens / o.candidates) / (a.tokens / a.candidates)
    result["ratio_tokens_ours_anchor"] = round(ratio, 3)
    result["ratio_calls_ours_anchor"] = round(o.calls / max(a.calls, 1), 3)
    result["oracle_not_shown_ours"] = not_shown_ours
    result["targets_met"] = {"tokens_per_candidate<=1/3_anchor": ratio <= 1 / 3, "recall>=0.97": o.recall >= 0.97}

    cols = ["day", "method", "candidates", "targets", "calls", "sent", "prompt_chars_per_cand",
            "completion_chars_per_cand", "prompt_tokens_per_cand", "completion_tokens_per_cand", "tokens_per_cand",
            "recall", "digest", "wall_s"]
    print(f"\nper day: ours = batch {grid[0][0]}, abstracts ~{grid[0][1]} chars; tokens = characters / 4; recall = "
          "share of picks with relevance>=8 and novelty>=7 in the final digest; wall_s excludes the oracle")
    print(fmt_table([r.row() for r in (*ours, *anchor)], cols))
    print("\noverall")
    print(fmt_table([r.row() for r in overall], cols))
    print(f"ratio ours/{a.method}: tokens per candidate {ratio:.3f}, calls {result['ratio_calls_ours_anchor']:.3f}; "
          f"prefilter kept {result['overall']['ours']['prefilter_recall']:.1%} of the picks and sent "
          f"{o.sent} of {o.candidates} papers; papers the oracle found not shown (ours): {not_shown_ours}")
    print("\nbatch size x abstract length (ours, overall)")
    print(fmt_table(result["grid"], ["batch_size", "max_abstract_chars", "calls", "prompt_tokens_per_cand",
                                     "completion_tokens_per_cand", "tokens_per_cand", "ratio_vs_anchor", "recall",
                                     "wall_s"]))
    print(f"\nlocal ranker alone: recall@{k}/@50 = share of a day's picks in its top {k}/50 (pooled); "
          f"digest_precision@{k} = picks among the top {k} of its stand-alone digest")
    lrows = [{"ranker": name, "scope": scope, **vals} for name, scopes in result["local"].items()
             for scope, vals in scopes.items()]
    print(fmt_table(lrows, ["ranker", "scope", "days", "candidates", "targets", f"recall@{k}", "recall@50",
                            f"digest_precision@{k}", "auc", "nonpicks_kept@97"]))
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
    ap.add_argument("--batch-size", type=int, nargs="+", default=[50], help="LLMScorer batch sizes (first is detailed)")
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--max-abstract-chars", type=int, nargs="+", default=[600],
                    help="LLMScorer abstract trim lengths (first is detailed)")
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
