"""The daily job: fetch the listing, select papers for a team, store the digest, post it once."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot.config import TeamConfig
from bot.core.candidates import Candidate
from bot.core.digest_view import digest_thread
from bot.core.message import Thread
from bot.core.models import Digest, ListingEntry
from bot.core.prefilter import PrefilterStats
from handlers import learning, selection
from handlers.deps import Deps
from handlers.publish import PublishReport, publish
from handlers.registry import UserError
from storage import criteria as criteria_store
from storage import digests, jobs, scores, team_models
from storage import papers as paper_store
from storage import votes as vote_store

log = logging.getLogger("paperbot.daily")
DRY_RUN_JOB = "daily-dry-run"


@dataclass
class DailyResult:
    """What a daily run did."""

    digest: Digest | None  # None: no announcement that day
    thread: Thread | None
    published: PublishReport | None
    day: date | None
    candidates: tuple[Candidate, ...] = ()  # every candidate's decision (empty without an announcement)
    prefilter: PrefilterStats | None = None
    ranker_s: float = 0.0  # seconds in the local ranker: the team model's load, ranking, learning, save


async def load_listing(deps: Deps, day: date | None) -> tuple[date | None, list[ListingEntry]]:
    """The stored listing of `day`, else today's feed from arXiv (stored on arrival)."""
    if day is not None:
        stored = await deps.store.call(paper_store.listing_for_day, day)
        if stored:
            return day, stored
    cfg = deps.config.arxiv
    listing = await deps.need_source().listing(cfg.categories, cfg.announce_types)
    if listing.day is None or not listing.entries:
        return listing.day or day, []
    await deps.store.call(paper_store.save_listing, listing.day, list(listing.entries))
    if day is not None and listing.day != day:
        raise UserError(f"arXiv's feed is for {listing.day.isoformat()} and nothing is stored for "
                        f"{day.isoformat()}: the feed only ever holds the latest announcement.")
    return listing.day, list(listing.entries)


async def run_daily(team: TeamConfig, deps: Deps, *, day: date | None = None, dry_run: bool = False) -> DailyResult:
    """Score one day's listing for a team, store the digest, and (unless dry_run) post it."""
    # A dry run is recorded under its own name: it posts nothing, so it must not count as the day's digest.
    job = await deps.store.call(jobs.start_job, DRY_RUN_JOB if dry_run else "daily", team=team.name,
                                period=day.isoformat() if day else "")
    try:
        result = await _run(team, deps, day=day, dry_run=dry_run)
    except Exception as e:
        await deps.store.call(jobs.finish_job, job, status="failed", detail=f"{type(e).__name__}: {e}")
        raise
    status = "empty" if result.digest is None else "ok"
    detail = "" if result.digest is None else f"{len(result.digest.picks)} picks"
    if result.published and result.published.failed:  # a failed platform: the next start catches up
        status, detail = "failed", "; ".join([detail, *map(str, result.published.failed)])
    await deps.store.call(jobs.finish_job, job, status=status, detail=detail)
    return result


async def _run(team: TeamConfig, deps: Deps, *, day: date | None, dry_run: bool) -> DailyResult:
    cv = await deps.store.call(criteria_store.ensure_team, team.name, team.criteria)
    criteria = cv.criteria
    the_day, entries = await load_listing(deps, day)
    if not entries:
        log.info("no arXiv announcement for %s (%s): nothing to do", team.name, the_day)
        return DailyResult(None, None, None, the_day)
    assert the_day is not None
    candidates = selection.listed_candidates(entries, criteria)
    scorer = deps.scorer
    # Local-ranker scores are not cached: the team model learns every day and scores move with it.
    key = scores.ScoreKey(team.name, cv.hash, scorer.name if scorer else "local", scorer.prompt_version if scorer else "-")
    ids = [p.arxiv_id for p in candidates]
    cached = await deps.store.call(scores.cached_scores, key, ids) if scorer else {}
    votes = await deps.store.call(vote_store.voted_ids, team.name)
    t0 = time.perf_counter()
    pool = await learning.context_rows(deps, the_day, criteria)
    state = await learning.load_team_state(deps, team.name, criteria, unlabelled=pool)
    ranker_s = time.perf_counter() - t0
    # A re-run of a day the model already learned (or an older day) teaches it nothing twice.
    fresh_day = not state.last_day or the_day.isoformat() > state.last_day
    sel = await selection.select(candidates, criteria, scorer=scorer, model=state.model, pool=pool, cached=cached,
                                 votes=votes, learn=fresh_day, gap_days=learning.gap_days(state, the_day),
                                 team=team.name)
    t0 = time.perf_counter()
    if fresh_day or state.bootstrapped or state.feedback:
        await learning.save_team_state(deps, team.name, state, day=the_day if fresh_day else None)
    ranker_s += time.perf_counter() - t0 + sel.ranker_s
    fresh = sel.scores_with(selection.STATUS_LLM, selection.STATUS_LOCAL, selection.STATUS_AUTHOR)
    await deps.store.call(scores.save_scores, key, fresh)
    decided = sel.scores_with(selection.STATUS_FILTERED, selection.STATUS_EXCLUDED)
    if decided:
        await deps.store.call(scores.save_scores, key, decided, status="filtered")
    if sel.unscored:
        await deps.store.call(scores.mark_unscored, key, sel.unscored)
    await deps.store.call(scores.record_calls, sel.calls, team=team.name, ref=the_day.isoformat())
    found = sel.candidates(criteria)
    await deps.store.call(team_models.save_candidates, team.name, the_day.isoformat(), found)
    log.info("selection for %s on %s: %s (model learned %d verdicts, %d votes/imports)", team.name, the_day,
             sel.prefilter.reason, sel.learned, state.feedback)
    digest = Digest(team=team.name, day=the_day, scorer=sel.scorer, listed=len(entries),
                    scanned=len(candidates), picks=tuple(sel.picks), digest_size=criteria.digest_size,
                    usage=sel.usage, unscored=tuple(sel.unscored))
    await deps.store.call(digests.save_digest, digest)
    thread = digest_thread(digest)
    report = None if dry_run else await publish(thread, team=team, deps=deps)
    return DailyResult(digest, thread, report, the_day, tuple(found), sel.prefilter, ranker_s)


def digest_json(d: Digest, candidates: Sequence[Candidate] = (), *, ranker_s: float | None = None) -> dict:
    """The documented JSON shape of `paperbot daily --format json`."""
    return {
        "date": d.day.isoformat(),
        "team": d.team,
        "scorer": d.scorer,
        "counts": {"listed": d.listed, "scanned": d.scanned, "picked": len(d.picks), "unscored": len(d.unscored)},
        "llm": {"calls": d.usage.calls, "prompt_tokens": d.usage.prompt_tokens,
                "completion_tokens": d.usage.completion_tokens, "cost_usd": round(d.usage.cost_usd, 6)},
        "papers": [
            {"rank": i, "arxiv_id": p.paper.arxiv_id, "title": p.paper.title, "authors": list(p.paper.authors),
             "relevance": p.score.relevance, "novelty": p.score.novelty, "comment": p.score.comment,
             "author_match": p.score.author_match, "votes": p.votes, "url": p.paper.abs_url}
            for i, p in enumerate(d.picks, start=1)
        ],
        "unscored": list(d.unscored),
        "candidates": [c.as_json() for c in candidates],
        "timings": {"ranker_s": None if ranker_s is None else round(ranker_s, 3)},
    }
