"""/papers today|week|month|day|top|mine|cost: ranked lists of the team's papers, one page at a time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from bot.core.message import Message
from bot.core.models import Paper, Pick, Request
from bot.core.views import Page, cost_message, paper_list, unscored_pick
from handlers.commands.common import Args, parse_day, pick_span, span_start
from handlers.deps import Deps
from handlers.registry import UserError
from storage import digests, scores, votes
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


async def by_days(req: Request, deps: Deps, args: Args) -> Message:
    """today / week / month / day YYYY-MM-DD: the team's picks of those digest days."""
    team_config = deps.team_of(req)
    team, now = team_config.name, deps.team_today(team_config)
    note = RANKING_NOTE
    if args.sub == "day":
        if len(args.words) != 1:
            raise UserError("Give one date, e.g. /papers day 2026-01-27.")
        start = end = parse_day(args.words[0])
        title, command = f"{team} · papers of {start}", f"/papers day {start}"
        empty = f"No digest is stored for {start} (weekends and holidays have none)."
    else:
        if args.words:
            raise UserError(f"/papers {args.sub} takes no words (only --page N), not {args.rest!r}.")
        days = {"today": 1, "week": 7, "month": 30}[args.sub]
        start, end = now - timedelta(days=days - 1), now
        title = f"{team} · papers of {now}" if days == 1 else f"{team} · papers of {start} – {end}"
        command = f"/papers {args.sub}"
        empty = "No papers were picked in this period."
    rows = await deps.store.call(digests.picks_between, team, start, end)
    if not rows and args.sub == "today":
        recent = await deps.store.call(digests.digest_days, team, limit=60)
        latest = next((d for d in recent if d < now), None)
        if latest is not None:
            start = end = latest
            rows = await deps.store.call(digests.picks_between, team, start, end)
            title = f"{team} · papers of {start}"
            note = f"No digest for {now} yet: this is the latest, of {start}. {RANKING_NOTE}"
        else:
            empty = "No digest yet today."
    picks = unique_picks(rows)
    page = checked_page(args.page, len(picks))
    return paper_list(title, page.slice(picks), page=page, command=command, empty=empty, note=note)


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


async def cost(req: Request, deps: Deps, args: Args) -> Message:
    """cost [week|month|all]: LLM calls, tokens and dollars per purpose (scoring, explain, weekly)."""
    team = deps.team_of(req).name
    span = pick_span(args.words)
    since, label = span_start(deps, span)
    rows = await deps.store.call(scores.cost_summary, team, since=since)
    return cost_message(rows, team=team, span=label)
