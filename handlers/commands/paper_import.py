"""/papers import: an uploaded reading list (BibTeX, RIS, Zotero CSV) becomes the team's positive examples."""

from __future__ import annotations

from bot.core.message import Message
from bot.core.models import Request
from bot.core.reading_list import ReadingListError
from handlers.arguments import Args, UserError
from handlers.commands.papers import papers
from handlers.deps import Deps
from handlers.importing import import_reading_list, report_lines
from handlers.permissions import editors_only

MAX_BYTES = 20 * 1024 * 1024

NO_FILE = ("Attach the reading list to the command: a BibTeX (.bib), RIS (.ris) or Zotero CSV export. On Discord "
           "use the command's `file` option; on the console type `/papers import PATH`. Slack slash commands "
           "cannot carry files: run `paperbot import FILE` where the bot runs.")


@papers.sub("import", args="<file: .bib, .ris or Zotero .csv>", who=editors_only("import a reading list"),
            help="make an uploaded reading list (BibTeX, RIS or a Zotero CSV export) the team's positive examples")
async def import_(req: Request, deps: Deps, args: Args) -> Message:
    """import: store the attached file's papers and label them the team's positive examples."""
    upload = req.upload
    if upload is None:
        raise UserError(NO_FILE)
    if not upload.data or len(upload.data) > MAX_BYTES:
        raise UserError(f"{upload.filename} is empty or larger than {MAX_BYTES // 1_000_000} MB: send a reading "
                        "list up to that size.")
    team = deps.team_of(req).name
    try:
        report = await import_reading_list(deps, team, upload, added_by=f"{req.platform}:{req.user}")
    except ReadingListError as e:
        raise UserError(f"Could not read {upload.filename}: {e}.") from None
    return Message.text("\n".join(report_lines(report, team=team)))
