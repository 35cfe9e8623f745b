"""A pasted arXiv link's card: the paper with the team's scores and why, scored on the spot when new.

The team's verdict, best first: its digest pick (score, votes, the days it was picked), else the score
cached for the current criteria, else one scoring call for this paper through the PaperScorer port
(or the local ranker without an LLM), stored like the daily run's scores and counted in /papers cost.
"""

from __future__ import annotations

import logging
from datetime import date

from bot.config import TeamConfig
from bot.core.message import Message
from bot.core.models import Paper, Pick, Score
from bot.core.thread_view import link_card
from handlers import learning, selection
from handlers.commands.common import resolve_paper
from handlers.deps import Deps
from storage import criteria as criteria_store
from storage import digests, feedback, scores, votes
from storage.criteria import CriteriaVersion

log = logging.getLogger("paperbot.cards")
CARD_CONTEXT = 1000  # papers of the latest listing day a lone paper is ranked among (no LLM)
SAVED = (selection.STATUS_LLM, selection.STATUS_LOCAL, selection.STATUS_AUTHOR)


def score_key(deps: Deps, team: str, cv: CriteriaVersion) -> scores.ScoreKey:
    """Where the team's scores under the current criteria are cached (the daily run's key)."""
    s = deps.scorer
    return scores.ScoreKey(team, cv.hash, s.name if s else "local", s.prompt_version if s else "-")


async def score_now(deps: Deps, team: str, cv: CriteriaVersion, paper: Paper) -> tuple[Score, str]:
    """The team's score of a paper under the current criteria: cached, else scored now. (score, how)."""
    key = score_key(deps, team, cv)
    if deps.scorer is not None:  # local scores are never reused: the ranker learns every day (as in daily)
        hit = (await deps.store.call(scores.cached_scores, key, [paper.arxiv_id])).get(paper.arxiv_id)
        if hit is not None:
            return hit, "cached"
    voted = await deps.store.call(votes.voted_ids, team)
    # Without an LLM the paper is ranked among the latest listing day's papers: its local score then
    # says whether it would have made that day's digest, not how it compares with itself.
    context = [] if deps.scorer else await deps.store.call(feedback.recent_papers, date.max, days=1,
                                                            limit=CARD_CONTEXT)
    model = None if deps.scorer else await learning.current_model(deps, team)
    sel = await selection.select([paper, *context], cv.criteria, scorer=deps.scorer, model=model, votes=voted,
                                 prefilter=False, learn=False, team=team)
    await deps.store.call(scores.record_calls, sel.calls, team=team, ref=paper.arxiv_id)
    status = sel.status.get(paper.arxiv_id, selection.STATUS_UNSCORED)
    score = sel.scores.get(paper.arxiv_id)
    if score is None:
        await deps.store.call(scores.mark_unscored, key, [paper.arxiv_id])
        return Score(paper.arxiv_id, None, None, scorer=sel.scorer), status
    await deps.store.call(scores.save_scores, key, [score], status="scored" if status in SAVED else "filtered")
    return score, status


def verdict_note(status: str, score: Score, picked: list[str]) -> str:
    """One line saying where the team's verdict on a paper came from (picked, cached, scored just now, …)."""
    if picked:
        return f"Picked for the team on {', '.join(picked[:3])}."
    if status == selection.STATUS_UNSCORED:
        return "Could not be scored right now (the model did not answer); asking again retries."
    if status == selection.STATUS_EXCLUDED:
        return f"Left out by the team's criteria ({score.comment})."
    if status == selection.STATUS_AUTHOR:
        return "A watched author wrote it: it would be in the team's digest."
    if status == selection.STATUS_LOCAL or not score.scorer.startswith("llm:"):
        return "Scored just now by the local ranker (no LLM configured): approximate."
    verb = "Scored earlier" if status == "cached" else "Scored just now"
    return f"{verb} by {score.scorer.removeprefix('llm:')} against the team's criteria."


async def verdict(deps: Deps, team: TeamConfig, paper: Paper) -> tuple[Pick, str, list[str]]:
    """The team's pick of a paper, else its score now (see score_now); how it was got; the days it was picked."""
    picked = (await deps.store.call(digests.picks_of_papers, team.name, [paper.arxiv_id])).get(paper.arxiv_id, [])
    if picked:
        return digests.row_to_pick(picked[0]), "picked", [r["day"] for r in picked]
    cv = await deps.store.call(criteria_store.ensure_team, team.name, team.criteria)
    score, status = await score_now(deps, team.name, cv, paper)
    net = (await deps.store.call(votes.net_votes, team.name, [paper.arxiv_id])).get(paper.arxiv_id, 0)
    return Pick(paper, score, net), status, []


async def paper_card(deps: Deps, team: TeamConfig, arxiv_id: str) -> Message:
    """The card of one paper for a team (fetched from arXiv and stored if new)."""
    paper, _ = await resolve_paper(deps, arxiv_id)
    pick, status, days = await verdict(deps, team, paper)
    return link_card(pick, note=verdict_note(status, pick.score, days))
