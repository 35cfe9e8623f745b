"""/papers search --arxiv <words>: arXiv's own search, live (one throttled API request a page); results are stored."""

from __future__ import annotations

import re

from bot.core.arxiv_query import QueryError, api_query
from bot.core.message import Message
from bot.core.models import Request
from bot.core.paging import PER_PAGE, Page
from bot.core.views import paper_list
from handlers.arguments import Args, UserError
from handlers.commands.paper_lists import with_team_scores
from handlers.deps import Deps
from storage import papers as paper_store

FLAG = "--arxiv"
MAX_RESULTS = 100  # pages of a live search: further down, narrow the search instead
MAX_QUERY_CHARS = 300
HINT = ('Use words, "quoted phrases" and fields: ti: (title), au: (author), abs: (abstract), cat: (category), '
        'e.g. /papers search --arxiv ti:"mixture of experts" cat:cs.LG')


def wants_arxiv(args: Args) -> bool:
    """Whether a /papers search asks arXiv itself (`--arxiv` among its words)."""
    return any(w.lower() == FLAG for w in args.words)


def _words(args: Args) -> str:
    """The search words without the flag, on one line, cut at a word near MAX_QUERY_CHARS."""
    text = " ".join(re.sub(r"(?i)(?<!\S)--arxiv(?!\S)", " ", args.rest).split())
    return text if len(text) <= MAX_QUERY_CHARS else text[:MAX_QUERY_CHARS].rsplit(" ", 1)[0]


async def arxiv_search(req: Request, deps: Deps, args: Args) -> Message:
    """One page of arXiv's answer, most relevant first, stored, with the team's scores where it picked one."""
    words = _words(args)
    if not words:
        raise UserError("Type what to search arXiv for. " + HINT)
    try:
        query = api_query(words)
    except QueryError as e:
        raise UserError(f"{e} {HINT}") from None
    start = (args.page - 1) * PER_PAGE
    if start >= MAX_RESULTS:
        raise UserError(f"A live arXiv search shows its first {MAX_RESULTS} matches only: add words or a field "
                        "(ti:, au:, abs:, cat:) to narrow it.")
    found, total = await deps.need_source().search(query, start=start, max_results=PER_PAGE)
    page = Page(args.page, min(total, MAX_RESULTS))
    if found:
        await deps.store.call(paper_store.upsert_papers, found)
    elif start and total:
        raise UserError(f"There is no page {args.page}: arXiv has {total:,} match{'' if total == 1 else 'es'}.")
    team = deps.team_of(req).name
    shown = await with_team_scores(deps, team, found)
    note = (f"arXiv: {total:,} match{'' if total == 1 else 'es'} for {query}, most relevant first, now stored: "
            "/papers show <id> scores one for the team.")
    if total > MAX_RESULTS:
        note += f" Pages stop at the first {MAX_RESULTS}: narrow with ti:, au:, abs: or cat:."
    return paper_list(f"arXiv search: {words[:60]}", shown, page=page, command=f"/papers search {FLAG} {words}",
                      empty=f"arXiv has no paper matching {query}. {HINT}", note=note)
