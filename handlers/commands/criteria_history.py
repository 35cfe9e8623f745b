"""/criteria history|revert: every version with who, when and the diff; revert makes a NEW version."""

from __future__ import annotations

from bot.core.message import Message
from bot.core.models import Request
from bot.core.views import HistoryEntry, criteria_diff, history_message
from handlers.arguments import Args, UserError
from handlers.commands.common import current_criteria, unquote
from handlers.commands.criteria import criteria
from handlers.commands.criteria_edit import save_change
from handlers.commands.paper_lists import checked_page
from handlers.deps import Deps
from handlers.permissions import EDITORS
from storage import criteria as criteria_store


@criteria.sub("history", help="every version: who changed what, when")
async def history(req: Request, deps: Deps, args: Args) -> Message:
    """history: numbered versions, newest first, each with its author, time, summary and diff."""
    if args.words:
        raise UserError("/criteria history takes no words (only --page N).")
    team = deps.team_of(req)
    await deps.store.call(criteria_store.ensure_team, team.name, team.criteria)
    versions = await deps.store.call(criteria_store.history, team.name)
    entries = []
    previous = None
    for v in versions:
        entries.append(HistoryEntry(v.version, v.author, v.created_at, v.change,
                                    tuple(criteria_diff(previous, v.criteria)) if previous else ()))
        previous = v.criteria
    entries.reverse()
    page = checked_page(args.page, len(entries))
    return history_message(entries, team=team.name, page=page, command="/criteria history")


@criteria.sub("revert", args="<version>", help="go back to an old version, saved as a new one", who=EDITORS)
async def revert(req: Request, deps: Deps, args: Args) -> Message:
    """revert <version>: save a new version equal to an old one (history is never rewritten)."""
    team = deps.team_of(req)
    raw = unquote(args.words[0]).lstrip("vV") if len(args.words) == 1 else ""
    if not raw.isdigit():
        raise UserError("Give the version number to go back to, e.g. /criteria revert 3 (see /criteria history).")
    cv = await current_criteria(deps, req)
    # A number past the latest version is not looked up: past 2**63 SQLite cannot even bind it.
    old = await deps.store.call(criteria_store.get_version, team.name, int(raw)) if int(raw) <= cv.version else None
    if old is None:
        raise UserError(f"{team.name} has no criteria version {raw}: see /criteria history.")
    return await save_change(req, deps, cv, old.criteria, f"revert to version {old.version}")
