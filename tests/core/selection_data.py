"""Real papers for the selection tests: the two seed digests (picks) and a listing day's non-picks."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np

from bot.core.features import paper_rows
from bot.core.models import Criteria, Paper, Score
from bot.core.selection import passes_cutoffs
from bot.core.team_model import TeamModel

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

# The shipped default team's criteria (config.toml), the ones behind the seed digests.
CRITERIA = Criteria(
    topics="""Use the following relevance criteria to focus on foundational research. Keep relevant papers and
filter out irrelevant ones. Avoid purely application-driven work.

1. Model Architecture
   - Relevant: Mixture-of-Experts (MoE), Transformers, Conditional/Dynamic Networks, Autoencoders,
     analysis/innovations on existing architectures.
   - Irrelevant: Merely using existing architectures for a certain task without insights into the
     structure themselves.
2. Model Compression and Efficiency
   - Relevant: Sparsity, pruning, quantization, low-rank approaches, cache, or other
     algorithmic/theoretical efficiency breakthroughs.
   - Irrelevant: Straightforward applications of existing compression methods to new tasks.
3. High Performance Computing
   - Relevant: Algorithmic or systems-level innovations enabling training of large-scale models,
     distributed training techniques, memory optimization.
4. Representation Learning
   - Relevant: Insights into how deep networks encode information, feature/dictionary learning,
     sparse/contrastive methods, training dynamics in neural networks.""",
    keywords=("Mixture of Experts", "MoE", "representation learning", "compression", "efficiency", "sparsity",
              "pruning", "quantization", "low-rank", "foundation model", "KV cache", "distributed training",
              "training dynamics"),
    authors=("Yoshua Bengio",),
    categories=("cs.LG", "cs.AI"),
)


def _paper(row: dict) -> Paper:
    return Paper(row["arxiv_id"], " ".join(row["title"].split()), " ".join(row["abstract"].split()),
                 tuple(row["authors"]), ("cs.LG",))


@cache
def seed_rows() -> tuple[dict, ...]:
    """The seed digests' rows (picks with their recorded LLM verdicts)."""
    text = (FIXTURES / "seed_papers.jsonl").read_text(encoding="utf-8")
    return tuple(json.loads(line) for line in text.splitlines() if line.strip())


def picks(day: str | None = None) -> list[Paper]:
    """Picked papers, of one seed digest day ("2026-01-27" or "2026-02-05") or both."""
    return [_paper(r) for r in seed_rows() if day is None or r["digest_date"] == day]


def recorded(paper: Paper) -> Score:
    """The seed digest's verdict on a pick."""
    r = next(r for r in seed_rows() if r["arxiv_id"] == paper.arxiv_id)
    if r["relevance"] is None:
        return Score(paper.arxiv_id, None, None, "Author match", "llm:gpt-5", author_match=True)
    return Score(paper.arxiv_id, float(r["relevance"]), float(r["novelty"]), r["comment"], "llm:gpt-5")


@cache
def background() -> tuple[Paper, ...]:
    """60 real listing papers of 2025-06-03 that the picker did not pick."""
    text = (FIXTURES / "bench" / "listing_background.jsonl").read_text(encoding="utf-8")
    return tuple(_paper(json.loads(line)) for line in text.splitlines() if line.strip())


def history(pick_papers: list[Paper], non_picks: list[Paper]) -> list[tuple[Paper, Score]]:
    """Past LLM scores: the picks' recorded verdicts, 3/3 for the rest."""
    return [(p, recorded(p)) for p in pick_papers] + [(p, Score(p.arxiv_id, 3.0, 3.0, "", "llm:gpt-5"))
                                                      for p in non_picks]


def auc(scores: dict[str, float], positives: set[str]) -> float:
    """Probability that a random positive outscores a random negative."""
    pos = [s for i, s in scores.items() if i in positives]
    neg = [s for i, s in scores.items() if i not in positives]
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


@cache
def bench_days() -> dict[str, list[tuple[Paper, Score | None]]]:
    """Four real days (tests/fixtures/bench/days.jsonl.gz): each candidate with the picker's verdict (None: not picked)."""
    import gzip

    out: dict[str, list[tuple[Paper, Score | None]]] = {}
    with gzip.open(FIXTURES / "bench" / "days.jsonl.gz", "rt", encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            p = Paper(r["arxiv_id"], r["title"], r["abstract"], tuple(r["authors"]), ("cs.LG",))
            verdict = None
            if r["picked"] and r["relevance"] is not None:
                verdict = Score(p.arxiv_id, float(r["relevance"]), float(r["novelty"]), r["comment"], "llm:gpt-5")
            out.setdefault(r["day"], []).append((p, verdict))
    return out


def learned(past: list[tuple[Paper, Score]]) -> TeamModel:
    """A team model that learned past verdicts (as a store that ran for a while has one)."""
    model = TeamModel()
    rows = paper_rows(p for p, _ in past)
    model.observe(rows)
    model.learn(rows, np.array([1 if passes_cutoffs(s, CRITERIA) else 0 for _, s in past]))
    return model
