"""The local ranker: the criteria score and the team model's, blended by how much the team model knows.

A new team has only its written criteria (bot/core/zeroshot.py); every day of LLM verdicts, vote
and imported reading list teaches the team model (bot/core/team_model.py), whose weight grows
with the picks it has learned from. The ranking serves two jobs: as a PREFILTER it orders the
papers the LLM sees first (bot/core/prefilter.py decides how far down it goes); as a STAND-ALONE
scorer (no LLM configured) it maps its ranking to relevance/novelty 1-10.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from bot.core.features import tokens
from bot.core.models import Criteria, Paper, Score
from bot.core.team_model import TeamModel
from bot.core.textfeat import criteria_terms, matched_phrases
from bot.core.zeroshot import criteria_scores

CRITERIA_PRIOR = 30.0  # learned picks at which the team model weighs as much as the criteria (tuned)


@dataclass(frozen=True, slots=True)
class Ranked:
    """One paper's local verdict: the blended score, its parts, and the criteria phrases it matches."""

    arxiv_id: str
    score: float  # higher = more relevant (standard deviations over the day's papers)
    criteria: float  # the criteria score alone (z-scored)
    team: float | None  # the team model's log-odds; None before it is trained
    matches: tuple[str, ...] = ()


def criteria_weight(model: TeamModel | None) -> float:
    """Weight of the criteria score in the blend: 1 for an untrained model, falling as it learns picks."""
    if model is None or not model.trained:
        return 1.0
    return CRITERIA_PRIOR / (CRITERIA_PRIOR + model.positives)


def ranker_name(model: TeamModel | None) -> str:
    """`local:criteria` or `local:criteria+team`: what the local scores are made of."""
    return "local:criteria+team" if model is not None and model.trained else "local:criteria"


def blend(criteria_z: np.ndarray, logits: np.ndarray | None, model: TeamModel | None, *,
          scale: np.ndarray | None = None) -> np.ndarray:
    """The local score: the criteria score and the team log-odds z-scored over `scale` (default: the logits)."""
    if logits is None or logits.size == 0:
        return criteria_z
    ref = logits if scale is None else scale
    std = float(ref.std()) or 1.0
    w = criteria_weight(model)
    return (1.0 - w) * (logits - ref.mean()) / std + w * criteria_z


def rank(criteria: Criteria, papers: Sequence[Paper], rows: sparse.csr_matrix, *, model: TeamModel | None = None,
         pool: sparse.csr_matrix | None = None) -> list[Ranked]:
    """Score papers (their `rows` in the same order; `pool` = recent unlabelled rows) and return them best first."""
    if not papers:
        return []
    crit = criteria_scores(criteria, rows, pool)
    # The team log-odds are z-scored over the same papers as the criteria score (rows + pool), so
    # a lone paper (a pasted link) is placed among recent ones rather than compared with itself.
    both = rows if pool is None or pool.shape[0] == 0 else sparse.vstack([rows, pool]).tocsr()
    scale = model.logits(both) if model is not None else None
    logits = None if scale is None else scale[: rows.shape[0]]  # the rows come first in `both`
    score = blend(crit, logits, model, scale=scale)
    phrases = criteria_terms(criteria).phrases
    out = []
    for i, p in enumerate(papers):
        hits = matched_phrases(phrases, tokens(p.title) + ["\x00"] + tokens(p.abstract))
        team = None if logits is None else float(logits[i])
        out.append(Ranked(p.arxiv_id, float(score[i]), float(crit[i]), team, tuple(dict.fromkeys(h.text for h in hits))))
    return sorted(out, key=lambda r: (-r.score, r.arxiv_id))


def _comment(r: Ranked) -> str:
    if r.matches:
        return "Local match: " + ", ".join(r.matches[:4])
    return "Local match: no criteria keyword" + ("; ranked by similarity to past picks" if r.team is not None else "")


def local_scores(ranked: Sequence[Ranked], criteria: Criteria, *, name: str) -> dict[str, Score]:
    """Stand-alone scores: the best `digest_size` plausible papers get 8-10, everyone else 1-7.

    Plausible means the team model thinks the team would more likely pick it than not (once it is
    trained), or it matches a criteria phrase (before). Novelty is relevance - 1: the ranker cannot
    judge novelty, so it never lifts a paper the relevance ranking did not.
    """
    ordered = sorted(ranked, key=lambda r: (-r.score, r.arxiv_id))
    n, k = len(ordered), criteria.digest_size
    top: dict[str, int] = {}
    for r in ordered:
        plausible = r.team >= 0 if r.team is not None else bool(r.matches)
        if plausible and len(top) < k:
            top[r.arxiv_id] = len(top)
    out: dict[str, Score] = {}
    for pos, r in enumerate(ordered):
        if r.arxiv_id in top:
            i = top[r.arxiv_id]
            rel = 10 if i < max(1, k // 3) else 9 if i < max(2, 2 * k // 3) else 8
        else:
            rel = min(7, 1 + int(6 * (1 - pos / max(n, 1))))  # 1..7 by position in the day
        out[r.arxiv_id] = Score(r.arxiv_id, float(rel), float(max(1, rel - 1)), comment=_comment(r), scorer=name)
    return out


def prefiltered_score(r: Ranked, criteria: Criteria, *, why: str, name: str) -> Score:
    """The score of a paper the prefilter kept from the LLM: below the cut-offs, saying why."""
    rel = max(1.0, min(float(criteria.relevance_cutoff - 1), 4.0))
    nov = max(1.0, min(float(criteria.novelty_cutoff - 1), 4.0))
    comment = f"Prefiltered locally: {why}"
    if r.matches:
        comment += " (matches " + ", ".join(r.matches[:3]) + ")"
    return Score(r.arxiv_id, rel, nov, comment=comment, scorer=name)
