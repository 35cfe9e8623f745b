"""/papers cost [week|month|all]: what the LLM cost the team, per purpose (scoring, explain, weekly)."""

from __future__ import annotations

from bot.core.message import Message
from bot.core.models import Request
from bot.core.views import cost_message
from handlers.arguments import Args
from handlers.commands.common import pick_span, span_start
from handlers.commands.papers import papers
from handlers.deps import Deps
from storage import scores


@papers.sub("cost", args="[week|month|all]", help="LLM calls, tokens and dollars per purpose (default: week)")
async def cost(req: Request, deps: Deps, args: Args) -> Message:
    """cost [week|month|all]: LLM calls, tokens and dollars per purpose (scoring, explain, weekly)."""
    team = deps.team_of(req).name
    span = pick_span(args.words)
    since, label = span_start(deps, span)
    rows = await deps.store.call(scores.cost_summary, team, since=since)
    return cost_message(rows, team=team, span=label)
