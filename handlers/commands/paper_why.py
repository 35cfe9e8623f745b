"""/papers why <id>: the team's decision on a paper each day it was a candidate, in words."""

from __future__ import annotations

from bot.core.message import Message
from bot.core.models import Request
from bot.core.why_view import why_message
from handlers.arguments import Args, UserError
from handlers.commands.common import current_criteria, resolve_paper
from handlers.commands.papers import papers
from handlers.deps import Deps
from storage import digests, team_models, votes


@papers.sub("why", args="<arxiv id>",
            help="why the team's digest did (not) pick a paper: its decision, scores and local rank each day")
async def why(req: Request, deps: Deps, args: Args) -> Message:
    """why <id>: picked, below the cut-offs, prefiltered, excluded or author match, with the numbers."""
    if len(args.words) != 1:
        raise UserError("Give one arXiv id or URL, e.g. /papers why 2601.16725.")
    paper, _ = await resolve_paper(deps, args.words[0])
    team = deps.team_of(req).name
    cv = await current_criteria(deps, req)
    rows = await deps.store.call(team_models.decisions, team, paper.arxiv_id)
    net = (await deps.store.call(votes.net_votes, team, [paper.arxiv_id])).get(paper.arxiv_id, 0)
    picked = (await deps.store.call(digests.picks_of_papers, team, [paper.arxiv_id])).get(paper.arxiv_id, [])
    return why_message(paper, rows, team=team, criteria=cv.criteria, votes=net, picked_on=[r["day"] for r in picked])
