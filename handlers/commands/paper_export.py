"""/papers export <period> [bibtex|csv]: a period's picks as a file, uploaded in chat (bot.core.export formats)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.core import export as fmt
from bot.core.message import Attachment, Header, Message, Paragraph, Span
from bot.core.models import Pick, Request
from handlers.arguments import Args, UserError
from handlers.commands.common import parse_day, pick_span, span_start, unquote
from handlers.commands.paper_lists import recent_picks, with_team_scores
from handlers.commands.papers import papers
from handlers.deps import Deps
from storage import digests, votes
from storage.papers import paper_from_row

FORMATS = {"bibtex": ("bib", "BibTeX", "application/x-bibtex"), "bib": ("bib", "BibTeX", "application/x-bibtex"),
           "csv": ("csv", "CSV", "text/csv")}
RECENT_DAYS = {"today": 1, "week": 7, "month": 30}
PERIODS = "today, week, month, day YYYY-MM-DD, top [week|month|all] or mine"
MAX_TOP = 5000  # a team's all-time upvoted papers; far above any real count, bounds the file


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "team"


def _split(words: Sequence[str]) -> tuple[list[str], str]:
    """(period words, format key): the format is the last word when it names one, else BibTeX."""
    ws = [unquote(w).lower() for w in words]
    if ws and ws[-1] in FORMATS:
        return ws[:-1], ws[-1]
    return ws, "bibtex"


async def _period(req: Request, deps: Deps, words: list[str]) -> tuple[list[fmt.PickEntry], str, str]:
    """(entries, title, file label) of the period the words name."""
    team = deps.team_of(req).name
    if not words:
        raise UserError(f"Say which papers to export: {PERIODS}, then bibtex or csv.")
    head, rest = words[0], words[1:]
    if head in RECENT_DAYS:
        if rest:
            raise UserError(f"/papers export {head} takes only a format after it (bibtex or csv).")
        got = await recent_picks(req, deps, days=RECENT_DAYS[head])
        return _entries(team, got.rows), got.title, head + "-" + got.title.rsplit("papers of ", 1)[-1]
    if head == "day":
        if len(rest) != 1:
            raise UserError("Give one date, e.g. /papers export day 2026-01-27 csv.")
        when = parse_day(rest[0])
        rows = await deps.store.call(digests.picks_between, team, when, when)
        return _entries(team, rows), f"{team} · papers of {when}", when.isoformat()
    if head in ("top", "mine"):
        picks, title = await (_top(req, deps, rest) if head == "top" else _mine(req, deps, rest))
        entries = [fmt.PickEntry(team, "", i, p) for i, p in enumerate(picks, start=1)]
        return entries, title, head + ("-" + pick_span(tuple(rest)) if head == "top" else "")
    raise UserError(f"{head!r} is not a period: use {PERIODS}.")


def _entries(team: str, rows: Sequence[dict]) -> list[fmt.PickEntry]:
    """Export entries from picks_between rows, each paper once, in list order (votes, then score)."""
    seen: set[str] = set()
    out = []
    for r in rows:
        if r["arxiv_id"] not in seen:
            seen.add(r["arxiv_id"])
            out.append(fmt.PickEntry(team, r["day"], r["rank"], digests.row_to_pick(r)))
    return out


async def _top(req: Request, deps: Deps, rest: list[str]) -> tuple[list[Pick], str]:
    team = deps.team_of(req).name
    since, label = span_start(deps, pick_span(tuple(rest)))
    rows = await deps.store.call(votes.top_voted, team, since=since, limit=MAX_TOP, offset=0)
    return await with_team_scores(deps, team, [paper_from_row(r) for r in rows]), f"{team} · most upvoted, {label}"


async def _mine(req: Request, deps: Deps, rest: list[str]) -> tuple[list[Pick], str]:
    if rest:
        raise UserError("/papers export mine takes only a format after it (bibtex or csv).")
    team = deps.team_of(req).name
    rows = await deps.store.call(votes.user_votes, team, platform=req.platform, user=req.user, limit=MAX_TOP,
                                 offset=0)
    return await with_team_scores(deps, team, [paper_from_row(r) for r in rows]), f"{team} · papers you upvoted"


@papers.sub("export", args="<period> [bibtex|csv]",
            help=f"the papers of a period as a file to import elsewhere (Zotero, a spreadsheet): {PERIODS}")
async def export(req: Request, deps: Deps, args: Args) -> Message:
    """export <period> [bibtex|csv]: the period's papers as an attached .bib or .csv file."""
    words, key = _split(args.words)
    entries, title, label = await _period(req, deps, words)
    if not entries:
        return Message.text(f"Nothing to export: no papers in “{title}”.")
    ext, name, mime = FORMATS[key]
    if ext == "bib":
        text = fmt.to_bibtex(e.pick.paper for e in entries)
    else:
        text = fmt.to_csv(entries)
    filename = f"{_safe(deps.team_of(req).name)}-{_safe(label)}.{ext}"
    what = f"{len(entries)} paper{'s' if len(entries) != 1 else ''} as {name}"
    return Message(
        blocks=(Header(f"Export: {title}"), Paragraph.of("Attached: ", Span(filename, code=True), f" — {what}.")),
        fallback=f"{filename}: {what}",
        attachment=Attachment(filename, text.encode("utf-8"), title=f"{title}: {what}", mime=mime),
    )
