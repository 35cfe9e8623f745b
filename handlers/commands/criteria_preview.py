"""/criteria preview [days]: what the current criteria would have picked on recent digest days, for free.

No LLM call: a paper keeps its cached LLM score when one exists for the current criteria (same
criteria hash, scorer and prompt version); every other paper is scored by the local ranker.
"""

from __future__ import annotations

from bot.config import TeamConfig
from bot.core.message import Message
from bot.core.models import Paper, Request
from bot.core.ranker import ranker_name
from bot.core.views import PreviewDay, preview_message
from handlers import learning, selection
from handlers.arguments import Args, UserError
from handlers.commands.common import current_criteria, unquote
from handlers.commands.criteria import criteria
from handlers.commands.paper_lists import unique_picks
from handlers.deps import Deps
from storage import digests, scores
from storage import papers as paper_store
from storage import votes as vote_store

DEFAULT_DAYS, MAX_DAYS = 5, 30


def _days_arg(args: Args) -> int:
    if not args.words:
        return DEFAULT_DAYS
    raw = unquote(args.words[0])
    if len(args.words) > 1 or not raw.isdigit() or not 1 <= int(raw) <= MAX_DAYS:
        raise UserError(f"Give a number of digest days from 1 to {MAX_DAYS}, e.g. /criteria preview 5.")
    return int(raw)


async def _cached(deps: Deps, team: TeamConfig, criteria_hash: str, ids: list[str]) -> dict:
    if deps.scorer is None:
        return {}
    key = scores.ScoreKey(team.name, criteria_hash, deps.scorer.name, deps.scorer.prompt_version)
    return await deps.store.call(scores.cached_scores, key, ids)


@criteria.sub("preview", args="[days]",
              help="what the current criteria would have picked on the last N digest days (default 5), at no cost")
async def preview(req: Request, deps: Deps, args: Args) -> Message:
    """preview [days]: per recent digest day, the picks the current criteria make vs those posted."""
    n = _days_arg(args)
    team = deps.team_of(req)
    cv = await current_criteria(deps, req)
    criteria = cv.criteria
    days = await deps.store.call(digests.digest_days, team.name, limit=n)
    votes = await deps.store.call(vote_store.voted_ids, team.name)
    model = await learning.current_model(deps, team.name)
    out: list[PreviewDay] = []
    from_cache = local = 0
    for day in days:
        posted = [p.paper for p in unique_picks(await deps.store.call(digests.picks_between, team.name, day, day))]
        entries = await deps.store.call(paper_store.listing_for_day, day)
        # Without a stored listing (imported digests) the posted picks are the only known candidates.
        candidates: list[Paper] = selection.listed_candidates(entries, criteria) or posted
        cached = await _cached(deps, team, cv.hash, [p.arxiv_id for p in candidates])
        sel = await selection.select(candidates, criteria, scorer=None, model=model, cached=cached, votes=votes,
                                     learn=False, team=team.name)
        from_cache += sel.count(selection.STATUS_CACHED)
        local += sel.count(selection.STATUS_LOCAL)
        out.append(PreviewDay(day.isoformat(), tuple(p.paper for p in sel.picks), tuple(posted), len(candidates)))
    note = (f"Criteria version {cv.version}. {from_cache} scores from the LLM cache, {local} from the local ranker "
            f"({ranker_name(model)}, approximate): no LLM call, no cost.")
    return preview_message(out, team=team.name, note=note)
