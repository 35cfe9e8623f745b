"""/criteria: show, change (editors only, every change a recorded version), history, revert, preview.

The command and `show` are declared here; the other subcommands on their functions in criteria_edit
(add, remove, set, edit), criteria_history (history, revert) and criteria_preview (preview).
"""

from __future__ import annotations

from bot.core.message import Message
from bot.core.models import Request
from bot.core.views import criteria_message
from handlers.arguments import Args, UserError
from handlers.commands.common import current_criteria
from handlers.deps import Deps
from handlers.registry import group

criteria = group(
    "criteria",
    help="What the team wants to read: topics, keywords, excluded words, watched authors, categories and "
         "cut-offs. Anyone may look; the team's editors may change them, and every change is kept.",
    default="show",
)


@criteria.sub("show", help="the team's current criteria (the default)")
async def show(req: Request, deps: Deps, args: Args) -> Message:
    """show: the current version, who saved it and what it changed."""
    if args.words:
        raise UserError("/criteria show takes no words.")
    cv = await current_criteria(deps, req)
    return criteria_message(cv.criteria, team=cv.team, version=cv.version, author=cv.author,
                            created_at=cv.created_at, change=cv.change)
