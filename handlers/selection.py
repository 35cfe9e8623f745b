"""The daily selection pipeline: author match, exclude, cache, local ranking, LLM rounds, cut-offs, ranking.

Storage-free on purpose: `paperbot daily` loads the team model, cached scores and votes from SQLite and
saves what `select` returns; the benchmark calls the very same function against an oracle.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
from scipy import sparse

from bot.core import prefilter as policy
from bot.core.candidates import Candidate, candidates_of
from bot.core.features import paper_rows
from bot.core.models import Criteria, ListingEntry, LLMUsage, Paper, Pick, Score
from bot.core.prefilter import PrefilterStats, describe
from bot.core.ranker import Ranked, criteria_weight, local_scores, prefiltered_score, rank, ranker_name
from bot.core.selection import (
    author_match_score,
    excluded_by,
    passes_cutoffs,
    rank_picks,
    unique_papers,
    watched_authors,
)
from bot.core.team_model import TeamModel
from bot.ports import CallRecord, PaperScorer

# Why a paper has the score it has; storage maps "filtered"/"excluded" to its 'filtered' status.
STATUS_LLM = "llm"  # scored by the LLM in this run
STATUS_CACHED = "cached"  # a score from an earlier run was reused (no call)
STATUS_AUTHOR = "author"  # a watched author wrote it: in the digest without scoring
STATUS_EXCLUDED = "excluded"  # an exclude keyword: dropped before any scoring
STATUS_FILTERED = "filtered"  # decided locally: ranked below where the LLM rounds stopped
STATUS_LOCAL = "local"  # scored by the local ranker because no LLM is configured
STATUS_UNSCORED = "unscored"  # sent to the LLM but no valid score came back: retry next run
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Selection:
    """Every paper's score and status, the calls made, the ranked picks and each candidate's decision."""

    scores: Mapping[str, Score]
    status: Mapping[str, str]
    unscored: tuple[str, ...]
    calls: tuple[CallRecord, ...]
    picks: tuple[Pick, ...]
    prefilter: PrefilterStats
    scorer: str  # "llm:<model>" or the local ranker's name
    local: Mapping[str, float] = field(default_factory=dict)  # local score of every ranked paper
    learned: int = 0  # verdicts the team model learned from in this run
    ranker_s: float = 0.0  # seconds in the local ranker (features, ranking, re-ranking, learning)

    @property
    def usage(self) -> LLMUsage:
        """Calls, tokens and cost of this run."""
        total = LLMUsage()
        for c in self.calls:
            total = total + LLMUsage(1, c.prompt_tokens, c.completion_tokens, c.cached_tokens, c.cost_usd)
        return total

    def scores_with(self, *statuses: str) -> list[Score]:
        """The scores of the papers that ended with one of `statuses`."""
        return [self.scores[pid] for pid, st in self.status.items() if st in statuses and pid in self.scores]

    def count(self, status: str) -> int:
        """How many papers ended with `status`."""
        return sum(1 for s in self.status.values() if s == status)

    def candidates(self, criteria: Criteria) -> list[Candidate]:
        """Every candidate with its decision, LLM scores and local score (`paperbot daily --format json`)."""
        return candidates_of(self.status, self.scores, self.local, criteria)


def listed_candidates(entries: Sequence[ListingEntry], criteria: Criteria) -> list[Paper]:
    """The listed papers in the criteria's categories (all of them without categories, or for a paper without any)."""
    cats = criteria.categories
    return [e.paper for e in entries
            if not cats or not e.paper.categories or any(c in cats for c in e.paper.categories)]


@dataclass
class _Day:
    """The mutable state of one selection run."""

    scores: dict[str, Score] = field(default_factory=dict)
    status: dict[str, str] = field(default_factory=dict)
    calls: list[CallRecord] = field(default_factory=list)
    unscored: list[str] = field(default_factory=list)
    ranker_s: float = 0.0  # time spent vectorising, ranking, re-ranking and learning

    async def cpu(self, fn: Callable[..., T], *args: Any) -> T:
        """Run CPU-bound ranker work off the event loop (the chat adapters stay responsive), timed."""
        t0 = time.perf_counter()
        try:
            return await asyncio.to_thread(fn, *args)
        finally:
            self.ranker_s += time.perf_counter() - t0


async def select(
    papers: Sequence[Paper],
    criteria: Criteria,
    *,
    scorer: PaperScorer | None,
    model: TeamModel | None = None,
    pool: sparse.csr_matrix | None = None,
    cached: Mapping[str, Score] | None = None,
    votes: Mapping[str, int] | None = None,
    prefilter: bool = True,
    learn: bool = True,
    gap_days: int | None = None,
    team: str = "",
) -> Selection:
    """Score a day's papers for one team and rank its picks; `model` (the team's) learns the day's verdicts.

    `pool` holds hashed rows of recent unlabelled papers for the criteria score. With a scorer the
    LLM reads the ranking from the top in rounds (bot/core/prefilter.py) and what it never reaches
    is decided locally (status "filtered"); without one the local ranker scores everything.
    `cached` scores are reused as they are: a re-run costs no LLM call and teaches the model nothing.
    """
    cached = cached or {}
    papers = unique_papers(papers)
    day = _Day()
    todo: list[Paper] = []
    for p in papers:
        if watched_authors(p, criteria):
            day.scores[p.arxiv_id], day.status[p.arxiv_id] = author_match_score(p), STATUS_AUTHOR
        elif term := excluded_by(p, criteria):
            day.scores[p.arxiv_id] = Score(p.arxiv_id, 1.0, 1.0, comment=f"Excluded: about {term!r}",
                                           scorer="local:exclude")
            day.status[p.arxiv_id] = STATUS_EXCLUDED
        elif p.arxiv_id in cached:
            day.scores[p.arxiv_id], day.status[p.arxiv_id] = cached[p.arxiv_id], STATUS_CACHED
        else:
            todo.append(p)
    # Vectorising and ranking are CPU-bound: keep the event loop free for the chat adapters. Every
    # paper is ranked (its local score is reported), only the ones still without a score are sent.
    rows = await day.cpu(paper_rows, papers) if papers else sparse.csr_matrix((0, 0))
    ranked_all = await day.cpu(functools.partial(rank, model=model, pool=pool), criteria, papers, rows) if papers else []
    waiting = {p.arxiv_id for p in todo}
    ranked = [r for r in ranked_all if r.arxiv_id in waiting]
    order = {p.arxiv_id: i for i, p in enumerate(papers)}
    name = ranker_name(model)
    stats = describe(enabled=False, reason="nothing to score", candidates=0)
    learned = 0
    if scorer is None:
        local = local_scores(ranked, criteria, name=name)
        for r in ranked:
            day.scores[r.arxiv_id], day.status[r.arxiv_id] = local[r.arxiv_id], STATUS_LOCAL
        if todo:
            stats = describe(enabled=False, reason="no LLM configured: the local ranker scored every paper",
                             candidates=len(todo), decided_locally=len(todo), weight=criteria_weight(model))
        scorer_name = name
    else:
        scorer_name = scorer.name
        if todo:
            stats, learned = await _llm_rounds(day, todo, rows, ranked, order, criteria, scorer=scorer, model=model,
                                               prefilter=prefilter, gap_days=gap_days, learn=learn, team=team)
    if learn and model is not None and rows.shape[0]:  # a re-run must not count the day's words twice
        await day.cpu(model.observe, rows)
    picks = rank_picks(papers, day.scores, criteria, votes=votes or {})
    return Selection(scores=day.scores, status=day.status, unscored=tuple(day.unscored), calls=tuple(day.calls),
                     picks=picks, prefilter=stats, scorer=scorer_name, local={r.arxiv_id: r.score for r in ranked_all},
                     learned=learned, ranker_s=day.ranker_s)


async def _llm_rounds(day: _Day, todo: list[Paper], rows: sparse.csr_matrix, ranked: list[Ranked],
                      order: dict[str, int], criteria: Criteria, *, scorer: PaperScorer, model: TeamModel | None,
                      prefilter: bool, gap_days: int | None, learn: bool, team: str) -> tuple[PrefilterStats, int]:
    """Send the ranking to the LLM from the top, round by round; decide the rest locally."""
    by_id = {p.arxiv_id: p for p in todo}
    n = len(ranked)
    mature = model is not None and model.trained and model.positives >= policy.MATURE_POSITIVES
    chance: dict[str, float] = {}
    if mature and model is not None:
        logits = np.array([r.team for r in ranked], dtype=np.float64)
        chance = dict(zip((r.arxiv_id for r in ranked), policy.pick_chances(
            logits, positives=model.positives, negatives=model.negatives), strict=True))
    first = n if not prefilter else policy.first_round(
        n, digest_size=criteria.digest_size, chances=[chance[r.arxiv_id] for r in ranked] if chance else None,
        gap_days=gap_days)
    queue = [r.arxiv_id for r in ranked]
    sent: list[str] = []
    batch = queue[:first]
    rounds: list[policy.Round] = []
    expected = 0.0
    while batch:
        await _score(day, [by_id[i] for i in batch], criteria, scorer, team)
        sent.extend(batch)
        if day.calls and not day.calls[-1].ok:
            break  # the LLM is down: what is left is decided locally this once (the unscored are retried)
        tail = batch[-policy.BATCH:]
        rounds.append(policy.Round(len(tail), sum(1 for i in tail if _hit(day.scores.get(i), criteria))))
        done = set(sent)
        rest = [i for i in queue if i not in done]
        found = sum(1 for i in sent if _hit(day.scores.get(i), criteria))
        expected = policy.expected_missed(
            found=found, last=rounds[-1], remaining=len(rest),
            sent_chance=sum(chance[i] for i in sent) if chance else None,
            unsent_chance=sum(chance[i] for i in rest) if chance else None)
        if not prefilter or not policy.go_on(expected, found=found, remaining=len(rest), rounds=len(rounds)):
            break
        queue = sent + await day.cpu(_rerank, rest, rows, ranked, order, day, sent, criteria, model)
        batch = queue[len(sent):len(sent) + policy.BATCH]
    done = set(sent)
    rest_ranked = [r for r in ranked if r.arxiv_id not in done]
    why = f"ranked below where the LLM stopped reading (round {len(rounds)}, picks had thinned out)"
    for r in rest_ranked:
        day.scores[r.arxiv_id] = prefiltered_score(r, criteria, why=why, name=ranker_name(model))
        day.status[r.arxiv_id] = STATUS_FILTERED
    learned = 0
    if learn and model is not None:
        learned = await day.cpu(_learn_day, model, sent, rows, order, day, criteria)
    stats = describe(enabled=prefilter, reason="", candidates=n, sent=len(sent), decided_locally=len(rest_ranked),
                     rounds=len(rounds), first_round=first, estimated_missed=expected if rest_ranked else 0.0,
                     weight=criteria_weight(model), positives=model.positives if model else 0.0, gap_days=gap_days)
    return stats, learned


async def _score(day: _Day, papers: list[Paper], criteria: Criteria, scorer: PaperScorer, team: str) -> None:
    """One LLM round: record scores, unscored papers and calls."""
    result = await scorer.score(papers, criteria, team=team)
    day.calls.extend(result.calls)
    for s in result.scores:
        day.scores[s.arxiv_id], day.status[s.arxiv_id] = s, STATUS_LLM
    for ident in result.unscored:
        day.status[ident] = STATUS_UNSCORED
        day.unscored.append(ident)


def _hit(score: Score | None, criteria: Criteria) -> bool:
    """A verdict that counts as a pick for the stopping rule (and as a positive for learning)."""
    return score is not None and score.scored and passes_cutoffs(score, criteria)


def _verdicts(ids: Sequence[str], rows: sparse.csr_matrix, order: dict[str, int], day: _Day,
              criteria: Criteria) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Rows and labels of the papers among `ids` the LLM scored in this run."""
    done = [i for i in ids if day.status.get(i) == STATUS_LLM]
    labels = np.array([1 if _hit(day.scores[i], criteria) else 0 for i in done], dtype=np.int64)
    return rows[[order[i] for i in done]], labels


def _rerank(rest: list[str], rows: sparse.csr_matrix, ranked: list[Ranked], order: dict[str, int], day: _Day,
            sent: list[str], criteria: Criteria, model: TeamModel | None) -> list[str]:
    """The unsent papers re-ranked by a copy of the team model that learned today's verdicts so far."""
    x, y = _verdicts(sent, rows, order, day, criteria)
    if y.size == 0:
        return rest
    trial = copy.deepcopy(model) if model is not None else TeamModel()
    trial.observe(rows)
    trial.learn(x, y, passes=2)
    if not trial.trained:
        return rest
    crit = {r.arxiv_id: r.criteria for r in ranked}
    idx = [order[i] for i in rest]
    logits = trial.logits(rows[idx])
    w = criteria_weight(trial)
    std = float(logits.std()) or 1.0
    score = {i: (1 - w) * (lg - logits.mean()) / std + w * crit[i] for i, lg in zip(rest, logits, strict=True)}
    return sorted(rest, key=lambda i: (-score[i], i))


def _learn_day(model: TeamModel, sent: list[str], rows: sparse.csr_matrix, order: dict[str, int], day: _Day,
               criteria: Criteria) -> int:
    """Teach the team model the day's LLM verdicts; returns how many."""
    x, y = _verdicts(sent, rows, order, day, criteria)
    model.learn(x, y)
    return int(y.size)
