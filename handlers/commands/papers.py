"""/papers: the team's picks and everything stored.

The command is declared here; each subcommand on its own function: today … mine in paper_lists,
like … upvote in paper_lookup, cost in paper_cost (declaration order is the order help lists them).
"""

from __future__ import annotations

from bot.core.models import parse_arxiv_id
from handlers.registry import group


def bare_id_means_show(text: str) -> str:
    """`/papers 2601.16725` (a bare arXiv id or URL) runs `/papers show 2601.16725`."""
    first = text.split(maxsplit=1)[0] if text.strip() else ""
    if first and parse_arxiv_id(first.strip("\"'")) is not None:
        return "show " + text
    return text


papers = group(
    "papers",
    help="The team's arXiv picks and everything stored: lists take --page N; add `share` to post the reply "
         "to the channel.",
    default="today",
    prepare=bare_id_means_show,
)
