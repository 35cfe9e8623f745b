"""The daily selection pipeline: author match, exclude, cache, local prefilter, LLM scoring, cut-offs, ranking.

Storage-free on purpose: `paperbot daily` loads cached scores, history and votes from SQLite and
saves what `select` returns; the benchmark calls the very same function against an oracle.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bot.core.models import Criteria, ListingEntry, LLMUsage, Paper, Pick, Score
from bot.core.ranker import (
    History,
    RankerModel,
    fit_ranker,
    local_scores,
    prefiltered_score,
    rank_papers,
    split_prefilter,
)
from bot.core.selection import author_match_score, excluded_by, rank_picks, unique_papers, watched_authors
from bot.ports import CallRecord, PaperScorer

# Why a paper has the score it has; storage maps "filtered"/"excluded" to its 'filtered' status.
STATUS_LLM = "llm"  # scored by the LLM in this run
STATUS_CACHED = "cached"  # a score from an earlier run was reused (no call)
STATUS_AUTHOR = "author"  # a watched author wrote it: in the digest without scoring
STATUS_EXCLUDED = "excluded"  # an exclude keyword: dropped before any scoring
STATUS_FILTERED = "filtered"  # decided locally by the prefilter: below its cut-off, not sent to the LLM
STATUS_LOCAL = "local"  # scored by the local ranker because no LLM is configured
STATUS_UNSCORED = "unscored"  # sent to the LLM but no score came back: retry next run


@dataclass(frozen=True, slots=True)
class PrefilterStats:
    """What the local prefilter did, so a loss of recall is never silent."""

    enabled: bool
    reason: str  # why it is on or off, in words
    candidates: int = 0  # papers that needed a score in this run (after author/exclude/cache)
    sent: int = 0  # sent to the LLM
    decided_locally: int = 0  # kept from the LLM by the cut-off
    cutoff: float | None = None
    measured_recall: float | None = None  # of past picks, on held-out history
    measured_keep: float | None = None  # share of past non-picks the cut-off still sends
    history_positives: int = 0
    history_negatives: int = 0


@dataclass(frozen=True, slots=True)
class Selection:
    """Every paper's score and status, the calls made, and the ranked picks."""

    scores: Mapping[str, Score]
    status: Mapping[str, str]
    unscored: tuple[str, ...]
    calls: tuple[CallRecord, ...]
    picks: tuple[Pick, ...]
    prefilter: PrefilterStats
    scorer: str  # "llm:<model>" or the local ranker's name
    ranker: RankerModel | None = field(default=None, repr=False)

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


def listed_candidates(entries: Sequence[ListingEntry], criteria: Criteria) -> list[Paper]:
    """The listed papers in the criteria's categories (all of them without categories, or for a paper without any)."""
    cats = criteria.categories
    return [e.paper for e in entries
            if not cats or not e.paper.categories or any(c in cats for c in e.paper.categories)]


async def select(
    papers: Sequence[Paper],
    criteria: Criteria,
    *,
    scorer: PaperScorer | None,
    ranker: RankerModel | None = None,
    history: History = (),
    cached: Mapping[str, Score] | None = None,
    votes: Mapping[str, int] | None = None,
    prefilter: bool = True,
    team: str = "",
) -> Selection:
    """Score a day's papers for one team and rank its picks.

    `ranker` is a model from `fit_ranker` (or it is fitted here from `history`, a list of
    (paper, past score)). `cached` scores are reused as they are: a re-run costs no LLM call.
    With a scorer, papers below the ranker's cut-off are decided locally (status "filtered");
    without one the local ranker scores everything. Papers the LLM did not score stay unscored.
    """
    cached = cached or {}
    votes = votes or {}
    papers = unique_papers(papers)
    scores: dict[str, Score] = {}
    status: dict[str, str] = {}
    todo: list[Paper] = []
    for p in papers:
        if watched_authors(p, criteria):
            scores[p.arxiv_id], status[p.arxiv_id] = author_match_score(p), STATUS_AUTHOR
        elif term := excluded_by(p, criteria):
            scores[p.arxiv_id] = Score(p.arxiv_id, 1.0, 1.0, comment=f"Excluded: about {term!r}", scorer="local:exclude")
            status[p.arxiv_id] = STATUS_EXCLUDED
        elif p.arxiv_id in cached:
            scores[p.arxiv_id], status[p.arxiv_id] = cached[p.arxiv_id], STATUS_CACHED
        else:
            todo.append(p)

    if ranker is None and todo:
        # Training is CPU-bound for a few seconds: keep the event loop free for the chat adapters.
        ranker = await asyncio.to_thread(fit_ranker, criteria, history, votes=votes)
    # Ranking a day's papers is CPU work too (~0.5 s for 700): off the loop, like the fit.
    ranked = await asyncio.to_thread(rank_papers, ranker, todo) if ranker is not None and todo else []
    local = await asyncio.to_thread(local_scores, ranker, ranked, criteria) if ranker is not None else {}
    calls: tuple[CallRecord, ...] = ()
    unscored: tuple[str, ...] = ()

    if scorer is None:
        for r in ranked:
            scores[r.arxiv_id], status[r.arxiv_id] = local[r.arxiv_id], STATUS_LOCAL
        stats = PrefilterStats(False, "no LLM configured: the local ranker scored every paper", candidates=len(todo),
                               decided_locally=len(todo))
        scorer_name = ranker.name if ranker is not None else "local"
    else:
        use_cut = prefilter and ranker is not None and ranker.cutoff is not None
        keep, drop = split_prefilter(ranker, ranked, min_keep=criteria.digest_size) if use_cut else (ranked, [])
        for r in drop:
            scores[r.arxiv_id] = prefiltered_score(ranker, r, local[r.arxiv_id], criteria)  # type: ignore[arg-type]
            status[r.arxiv_id] = STATUS_FILTERED
        by_id = {p.arxiv_id: p for p in todo}
        send = [by_id[r.arxiv_id] for r in keep] if ranked else todo
        if send:
            result = await scorer.score(send, criteria, team=team)
            calls, unscored = result.calls, tuple(result.unscored)
            for s in result.scores:
                scores[s.arxiv_id], status[s.arxiv_id] = s, STATUS_LLM
            for ident in unscored:
                status[ident] = STATUS_UNSCORED
        stats = _stats(ranker, prefilter, use_cut, todo=len(todo), sent=len(send), dropped=len(drop))
        scorer_name = scorer.name

    picks = rank_picks(papers, scores, criteria, votes=votes)
    return Selection(scores=scores, status=status, unscored=unscored, calls=calls, picks=picks, prefilter=stats,
                     scorer=scorer_name, ranker=ranker)


def _stats(ranker: RankerModel | None, wanted: bool, used: bool, *, todo: int, sent: int, dropped: int) -> PrefilterStats:
    """Describe the prefilter run in numbers and words."""
    if ranker is None:
        return PrefilterStats(False, "nothing to score", candidates=todo, sent=sent)
    common = {"candidates": todo, "sent": sent, "decided_locally": dropped, "history_positives": ranker.positives,
              "history_negatives": ranker.negatives}
    if not wanted:
        return PrefilterStats(False, "prefilter switched off: every paper went to the LLM", **common)
    if not used:
        return PrefilterStats(False, f"prefilter off: {ranker.note}; every paper went to the LLM", **common)
    reason = (f"cut-off {ranker.cutoff:.2f} kept {ranker.cutoff_recall:.1%} of past picks and "
              f"{ranker.cutoff_keep:.1%} of past non-picks on held-out history")
    return PrefilterStats(True, reason, cutoff=ranker.cutoff, measured_recall=ranker.cutoff_recall,
                          measured_keep=ranker.cutoff_keep, **common)
