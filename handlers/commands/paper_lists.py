"""/papers today|week|month|day|top|mine: ranked lists of the team's papers, one page at a time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from bot.core.message import Message
from bot.core.models import Paper, Pick, Request
from bot.core.views import Page, paper_list, unscored_pick
from handlers.arguments import Args, UserError
from handlers.commands.common import parse_day, pick_span, span_start
from handlers.commands.papers import papers
from handlers.deps import Deps
from storage import digests, votes
from storage.papers import paper_from_row

RANKING_NOTE = "Ranked by votes, then score."


def checked_page(number: int, total: int) -> Page:
    """The page asked for, or a UserError when the answer has fewer pages."""
    page = Page(number, total)
    if number > page.pages:
        raise UserError(f"There is no page {number}: this answer has {page.pages} page(s).")
    return page


def unique_picks(rows: Sequence[dict]) -> list[Pick]:
    """Picks from picks_between rows, each paper once (its best-ranked day)."""
    seen: set[str] = set()
    out: list[Pick] = []
    for r in rows:
        if r["arxiv_id"] not in seen:
            seen.add(r["arxiv_id"])
            out.append(digests.row_to_pick(r))
    return out


async def with_team_scores(deps: Deps, team: str, papers: Sequence[Paper]) -> list[Pick]:
    """Papers as Picks carrying the team's latest score for each (when it picked it) and net votes."""
    ids = [p.arxiv_id for p in papers]
    picked = await deps.store.call(digests.picks_of_papers, team, ids)
    net = await deps.store.call(votes.net_votes, team, ids)
    out = []
    for p in papers:
        rows = picked.get(p.arxiv_id)
        out.append(digests.row_to_pick(rows[0]) if rows else unscored_pick(p, votes=net.get(p.arxiv_id, 0)))
    return out


def _page_of(rows: Sequence[dict], args: Args, *, title: str, command: str, empty: str, note: str) -> Message:
    """One page of the picks in picks_between rows, each paper once."""
    picks = unique_picks(rows)
    page = checked_page(args.page, len(picks))
    return paper_list(title, page.slice(picks), page=page, command=command, empty=empty, note=note)


@dataclass(frozen=True, slots=True)
class Recent:
    """The pick rows of a recent span (picks_between rows) and how to title and annotate them."""

    rows: list[dict]
    title: str
    note: str
    empty: str


async def recent_picks(req: Request, deps: Deps, *, days: int) -> Recent:
    """The team's pick rows of the last `days` days (1 day: the latest digest when today has none)."""
    team_config = deps.team_of(req)
    team, now = team_config.name, deps.team_today(team_config)
    start, end = now - timedelta(days=days - 1), now
    title = f"{team} · papers of {now}" if days == 1 else f"{team} · papers of {start} – {end}"
    empty, note = "No papers were picked in this period.", RANKING_NOTE
    rows = await deps.store.call(digests.picks_between, team, start, end)
    if not rows and days == 1:
        recent = await deps.store.call(digests.digest_days, team, limit=60)
        latest = next((d for d in recent if d < now), None)
        if latest is not None:
            rows = await deps.store.call(digests.picks_between, team, latest, latest)
            title = f"{team} · papers of {latest}"
            note = f"No digest for {now} yet: this is the latest, of {latest}. {RANKING_NOTE}"
        else:
            empty = "No digest yet today."
    return Recent(rows, title, note, empty)


async def _recent(req: Request, deps: Deps, args: Args, *, days: int) -> Message:
    """The team's picks of the last `days` digest days (today: the latest digest when today has none)."""
    if args.words:
        raise UserError(f"/papers {args.sub} takes no words (only --page N), not {args.rest!r}.")
    got = await recent_picks(req, deps, days=days)
    return _page_of(got.rows, args, title=got.title, command=f"/papers {args.sub}", empty=got.empty, note=got.note)


@papers.sub("today", help="the team's picks of today's digest (the latest one if today has none)")
async def today(req: Request, deps: Deps, args: Args) -> Message:
    """today: the picks of today's digest, else of the latest one."""
    return await _recent(req, deps, args, days=1)


@papers.sub("week", help="the last 7 days' picks, ranked by votes, then score")
async def week(req: Request, deps: Deps, args: Args) -> Message:
    """week: the picks of the last 7 days."""
    return await _recent(req, deps, args, days=7)


@papers.sub("month", help="the last 30 days' picks, ranked by votes, then score")
async def month(req: Request, deps: Deps, args: Args) -> Message:
    """month: the picks of the last 30 days."""
    return await _recent(req, deps, args, days=30)


@papers.sub("day", args="YYYY-MM-DD", help="the picks of one digest day")
async def day(req: Request, deps: Deps, args: Args) -> Message:
    """day YYYY-MM-DD: the picks of that digest day."""
    team = deps.team_of(req).name
    if len(args.words) != 1:
        raise UserError("Give one date, e.g. /papers day 2026-01-27.")
    when = parse_day(args.words[0])
    rows = await deps.store.call(digests.picks_between, team, when, when)
    return _page_of(rows, args, title=f"{team} · papers of {when}", command=f"/papers day {when}",
                    empty=f"No digest is stored for {when} (weekends and holidays have none).", note=RANKING_NOTE)


@papers.sub("top", args="[week|month|all]", help="the most upvoted papers (default: week)")
async def top(req: Request, deps: Deps, args: Args) -> Message:
    """top [week|month|all]: papers by net upvotes from every platform."""
    team = deps.team_of(req).name
    span = pick_span(args.words)
    since, label = span_start(deps, span)
    page = checked_page(args.page, await deps.store.call(votes.count_top_voted, team, since=since))
    rows = await deps.store.call(votes.top_voted, team, since=since, limit=page.per_page, offset=page.start)
    shown = await with_team_scores(deps, team, [paper_from_row(r) for r in rows])
    return paper_list(f"{team} · most upvoted, {label}", shown, page=page, command=f"/papers top {span}",
                      empty="No upvotes in this period yet: react 👍 to a paper, or press its Upvote button.",
                      note="Net votes from every platform (ups minus downs).")


@papers.sub("mine", help="the papers you upvoted, newest first")
async def mine(req: Request, deps: Deps, args: Args) -> Message:
    """mine: what this user upvoted on this platform."""
    if args.words:
        raise UserError("/papers mine takes no words (only --page N).")
    team = deps.team_of(req).name
    total = await deps.store.call(votes.count_user_votes, team, platform=req.platform, user=req.user)
    page = checked_page(args.page, total)
    rows = await deps.store.call(votes.user_votes, team, platform=req.platform, user=req.user,
                                 limit=page.per_page, offset=page.start)
    shown = await with_team_scores(deps, team, [paper_from_row(r) for r in rows])
    return paper_list(f"{team} · papers you upvoted", shown, page=page, command="/papers mine",
                      empty="You have not upvoted any paper yet: react 👍 to one, or press its Upvote button.",
                      note="Newest vote first.")
