"""/papers: the team's picks by day, week or month; top voted; mine; like; search; show; upvote; cost."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.core.message import Message
from bot.core.models import Request, parse_arxiv_id
from handlers.commands import paper_lists, paper_lookup
from handlers.commands.common import Args, run_sub
from handlers.deps import Deps
from handlers.registry import REGISTRY, Sub, command, help_message

SubHandler = Callable[[Request, Deps, Args], Awaitable[Message]]

SUBS = (
    Sub("today", "/papers today", "the team's picks of today's digest (the latest one if today has none)"),
    Sub("week", "/papers week", "the last 7 days' picks, ranked by votes, then score"),
    Sub("month", "/papers month", "the last 30 days' picks, ranked by votes, then score"),
    Sub("day", "/papers day YYYY-MM-DD", "the picks of one digest day"),
    Sub("top", "/papers top [week|month|all]", "the most upvoted papers (default: week)"),
    Sub("mine", "/papers mine", "the papers you upvoted, newest first"),
    Sub("like", "/papers like <arxiv id>", "the stored papers most similar to a paper"),
    Sub("search", "/papers search <words>",
        'full-text search of every stored paper: title, abstract, authors; "quoted phrases" work'),
    Sub("show", "/papers show <arxiv id or URL>", "one paper's card (fetched from arXiv and stored if new)"),
    Sub("upvote", "/papers upvote <arxiv id>", "upvote a paper for the team (what the Upvote button runs)"),
    Sub("cost", "/papers cost [week|month|all]", "LLM calls, tokens and dollars per purpose (default: week)"),
    Sub("help", "/papers help", "this list"),
)


async def _help(req: Request, deps: Deps, args: Args) -> Message:
    return help_message("papers")


HANDLERS: dict[str, SubHandler] = {
    "today": paper_lists.by_days,
    "week": paper_lists.by_days,
    "month": paper_lists.by_days,
    "day": paper_lists.by_days,
    "top": paper_lists.top,
    "mine": paper_lists.mine,
    "like": paper_lookup.like,
    "search": paper_lookup.search,
    "show": paper_lookup.show,
    "upvote": paper_lookup.upvote,
    "cost": paper_lists.cost,
    "help": _help,
}


@command(
    "papers",
    help="The team's arXiv picks and everything stored: lists take --page N; add `share` to post the reply "
         "to the channel.",
    usage="/papers [today|week|month|day|top|mine|like|search|show|upvote|cost|help] …",
    subcommands=SUBS,
    default_sub="today",
    free_text=("search",),
)
async def papers(req: Request, deps: Deps) -> Message:
    """Run a /papers subcommand (a bare arXiv id or URL means `show`)."""
    text = req.text
    first = text.split(maxsplit=1)[0] if text.strip() else ""
    if first and parse_arxiv_id(first.strip("\"'")) is not None:
        text = "show " + text
    spec = REGISTRY.get("papers")
    assert spec is not None
    return await run_sub(spec, HANDLERS, req, deps, text)
