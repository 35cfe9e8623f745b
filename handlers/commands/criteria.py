"""/criteria: show, change (editors only, every change a recorded version), history, revert, preview."""

from __future__ import annotations

from bot.core.message import Message
from bot.core.models import Request
from bot.core.views import criteria_message
from handlers.commands import criteria_edit, criteria_history, criteria_preview
from handlers.commands.common import Args, current_criteria, run_sub
from handlers.deps import Deps
from handlers.registry import REGISTRY, Sub, UserError, command, help_message

SUBS = (
    Sub("show", "/criteria show", "the team's current criteria (the default)"),
    Sub("add", "/criteria add topic|keyword|exclude|author|category <value>", "add one value (editors only)"),
    Sub("remove", "/criteria remove topic|keyword|exclude|author|category <value>",
        "remove one value (editors only)"),
    Sub("set", "/criteria set relevance|novelty|size <n>",
        "set a cut-off (1-10) or the number of papers in the channel post (1-50) (editors only)"),
    Sub("edit", "/criteria edit [topics text]",
        "replace the free-text topics; without text, opens a form holding the current topics (editors only)"),
    Sub("history", "/criteria history", "every version: who changed what, when"),
    Sub("revert", "/criteria revert <version>", "go back to an old version, saved as a new one (editors only)"),
    Sub("preview", "/criteria preview [days]",
        "what the current criteria would have picked on the last N digest days (default 5), at no cost"),
    Sub("help", "/criteria help", "this list"),
)


async def _show(req: Request, deps: Deps, args: Args) -> Message:
    if args.words:
        raise UserError("/criteria show takes no words.")
    cv = await current_criteria(deps, req)
    return criteria_message(cv.criteria, team=cv.team, version=cv.version, author=cv.author,
                            created_at=cv.created_at, change=cv.change)


async def _help(req: Request, deps: Deps, args: Args) -> Message:
    return help_message("criteria")


HANDLERS = {
    "show": _show,
    "add": criteria_edit.add,
    "remove": criteria_edit.remove,
    "set": criteria_edit.set_value,
    "edit": criteria_edit.edit,
    "history": criteria_history.history,
    "revert": criteria_history.revert,
    "preview": criteria_preview.preview,
    "help": _help,
}


@command(
    "criteria",
    help="What the team wants to read: topics, keywords, excluded words, watched authors, categories and "
         "cut-offs. Anyone may look; the team's editors may change them, and every change is kept.",
    usage="/criteria [show|add|remove|set|edit|history|revert|preview|help] …",
    subcommands=SUBS,
    default_sub="show",
    free_text=("add", "remove", "edit"),
)
async def criteria(req: Request, deps: Deps) -> Message:
    """Run a /criteria subcommand."""
    spec = REGISTRY.get("criteria")
    assert spec is not None
    return await run_sub(spec, HANDLERS, req, deps)
