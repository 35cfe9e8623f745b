"""/papers like|search|show|upvote: finding papers in the store (or on arXiv) and voting on one."""

from __future__ import annotations

import logging
import re
import sqlite3

from bot.core.message import Message
from bot.core.models import Request
from bot.core.views import paper_list, paper_message
from handlers import cards  # (the module: cards imports handlers.commands.common, so not its names)
from handlers.arguments import Args, UserError
from handlers.commands.common import resolve_paper
from handlers.commands.paper_arxiv import arxiv_search, wants_arxiv
from handlers.commands.paper_lists import checked_page, with_team_scores
from handlers.commands.papers import papers
from handlers.deps import Deps
from storage import papers as paper_store
from storage import similar, votes

log = logging.getLogger("paperbot.commands")
MAX_QUERY_CHARS = 300  # longer text is cut at a word: FTS uses at most 32 terms anyway
SEARCH_HINT = 'Use words, author names or "quoted phrases", e.g. /papers search "mixture of experts" Bengio.'


def _one_paper_word(args: Args, what: str) -> str:
    if len(args.words) != 1:
        raise UserError(f"Give one arXiv id or URL to {what}, e.g. 2601.16725.")
    return args.words[0]


@papers.sub("like", args="<arxiv id>", help="the stored papers most similar to a paper")
async def like(req: Request, deps: Deps, args: Args) -> Message:
    """like <id>: the stored papers most similar to one (stored term rows: inverted index, TF-IDF cosine)."""
    paper, _ = await resolve_paper(deps, _one_paper_word(args, "compare with"))
    found = await deps.store.call(similar.similar_papers, paper, limit=50)
    page = checked_page(args.page, len(found))
    team = deps.team_of(req).name
    shown = await with_team_scores(deps, team, [p for p, _ in page.slice(found)])
    return paper_list(f"Papers like “{_short(paper.title)}” ({paper.arxiv_id})", shown, page=page,
                      command=f"/papers like {paper.arxiv_id}",
                      empty="No stored paper shares enough words with this one.",
                      note="Most similar first, by title and abstract.")


def _short(title: str, limit: int = 80) -> str:
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"


def _query_text(text: str) -> tuple[str, bool]:
    """The search text on one line, cut at a word near MAX_QUERY_CHARS; True when it was cut."""
    flat = " ".join(text.split())
    if len(flat) <= MAX_QUERY_CHARS:
        return flat, False
    return flat[:MAX_QUERY_CHARS].rsplit(" ", 1)[0], True


@papers.sub("search", args="[--arxiv] <words>", free_text=True,
             help='full-text search of every stored paper: title, abstract, authors; "quoted phrases" work; '
                  "--arxiv searches arXiv itself (ti: au: abs: cat: fields) and stores what it finds")
async def search(req: Request, deps: Deps, args: Args) -> Message:
    """search <words>: FTS over title, abstract and authors of every stored paper, best match first."""
    if wants_arxiv(args):
        return await arxiv_search(req, deps, args)
    query, cut = _query_text(args.rest)
    if not query:
        raise UserError("Type what to search for. " + SEARCH_HINT)
    if not paper_store.fts_query(query):
        raise UserError(f"There is nothing to search for in {query[:60]!r}: only punctuation. " + SEARCH_HINT)
    per = 10
    try:
        result = await deps.store.call(paper_store.search, query, limit=per, offset=(args.page - 1) * per)
    except sqlite3.OperationalError as e:  # FTS syntax the quoting could not neutralise: never shown raw
        log.info("search %r rejected by FTS: %s", query, e)
        raise UserError(f"That search could not be understood. {SEARCH_HINT}") from None
    page = checked_page(args.page, result.total)
    team = deps.team_of(req).name
    shown = await with_team_scores(deps, team, result.papers)
    note = f"{result.total} stored papers match."
    if result.capped:  # ranking every match of a common word would take seconds on a big store
        note = (f"More than {result.total:,} stored papers match: the {result.total:,} stored most recently are "
                "ranked. Add words to narrow it down.")
    if cut:
        note += f" Searched for the first {len(query)} characters only."
    return paper_list(f"Search: {_short(query, 60)}", shown, page=page, command=f"/papers search {query}",
                      empty="No stored paper matches. Try fewer or other words. " + SEARCH_HINT, note=note)


@papers.sub("show", args="<arxiv id or URL>",
             help="one paper's card with the team's score (fetched from arXiv and stored if new, scored now if "
                  "the team never scored it)")
async def show(req: Request, deps: Deps, args: Args) -> Message:
    """show <id or URL>: one paper's card with the team's verdict: its pick, else its score (scored now if new)."""
    paper, fetched = await resolve_paper(deps, _one_paper_word(args, "show"))
    pick, status, picked_on = await cards.verdict(deps, deps.team_of(req), paper)
    notes = ["Fetched from arXiv and stored."] if fetched else []
    if not picked_on:  # the card's fields say when it was picked; otherwise say where the score came from
        notes.append(cards.verdict_note(status, pick.score, picked_on))
    return paper_message(pick, picked_on=picked_on, note=" ".join(notes))


@papers.sub("upvote", args="<arxiv id>", help="upvote a paper for the team (what the Upvote button runs)")
async def upvote(req: Request, deps: Deps, args: Args) -> Message:
    """upvote <id>: a +1 from this user on this platform, as a 👍 reaction would record it."""
    paper, _ = await resolve_paper(deps, _one_paper_word(args, "upvote"))
    team = deps.team_of(req).name
    changed = await deps.store.call(votes.set_vote, team=team, arxiv_id=paper.arxiv_id, platform=req.platform,
                                    user=req.user, value=1)
    net = (await deps.store.call(votes.net_votes, team, [paper.arxiv_id])).get(paper.arxiv_id, 0)
    title = re.sub(r"\s+", " ", paper.title)
    if changed:
        text = f"Upvoted “{title}” ({paper.arxiv_id}) for {team}: {net:+d} votes now."
    else:
        text = f"You had already upvoted “{title}” ({paper.arxiv_id}): still {net:+d} votes."
    return Message.text(text)
