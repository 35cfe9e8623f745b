"""/papers stats [week|month|all]: what the bot did for the team in a period, in numbers."""

from __future__ import annotations

from datetime import timedelta

from bot.core.message import Message
from bot.core.models import Request
from bot.core.stats import stats_message
from handlers.arguments import Args
from handlers.commands.common import pick_span, span_start
from handlers.commands.papers import papers
from handlers.deps import Deps
from storage import stats as stats_store

SPAN_DAYS = {"week": 7, "month": 30}


@papers.sub("stats", args="[week|month|all]",
            help="papers listed, scored, picked and posted; votes and voters; top categories and authors of "
                 "the picks; LLM cost (default: week)")
async def stats(req: Request, deps: Deps, args: Args) -> Message:
    """stats [week|month|all]: the team's digests, picks, posts, votes and LLM cost in the period."""
    team = deps.team_of(req)
    span = pick_span(args.words)
    since_at, label = span_start(deps, span)
    # Digest days count as /papers week counts them: today and the 6 days before, in the team's timezone.
    since_day = "" if span == "all" else (deps.team_today(team) - timedelta(days=SPAN_DAYS[span] - 1)).isoformat()
    numbers = await deps.store.call(stats_store.team_stats, team.name, since_day=since_day, since_at=since_at)
    return stats_message(numbers, team=team.name, label=label, span=span)
