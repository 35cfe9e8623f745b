"""The weekly job: synthesise (or load) a team's report of an ISO week, store it, post it once as a thread.

A stored report is reused: a re-run calls no LLM and posts nothing twice. It is written again only with
--force, or when it is stale and not posted yet (the week's picks changed since, e.g. after a mid-week
dry run, or an LLM was configured since a report built without one).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from bot import charts
from bot.config import TeamConfig
from bot.core.message import Image, Thread
from bot.core.weekly import Week, parse_week, report_header, validate_report, week_of
from bot.core.weekly_view import weekly_thread
from bot.ports import UpstreamError
from handlers.deps import Deps
from handlers.publish import PublishReport, publish
from handlers.registry import UserError
from handlers.weekly_data import criteria_topics, load_week, local_report, week_stats
from storage import criteria as criteria_store
from storage import jobs, posts, scores
from storage import weekly as weekly_store

log = logging.getLogger("paperbot.weekly")


@dataclass
class WeeklyResult:
    """What a weekly run did."""

    team: str
    week: str
    report: dict[str, Any] | None  # None: nothing was picked that week
    thread: Thread | None
    published: PublishReport | None
    synthesized: bool  # False when the stored report was reused


def resolve_week(deps: Deps, team: TeamConfig, week: str | None) -> str:
    """The ISO week asked for, else the team's current one; UserError when malformed."""
    if not week:
        return week_of(deps.team_today(team))
    try:
        return parse_week(week)
    except ValueError as e:
        raise UserError(str(e), usage="paperbot weekly --week 2026-W04") from None


async def run_weekly(team: TeamConfig, deps: Deps, *, week: str | None = None, dry_run: bool = False,
                     force: bool = False) -> WeeklyResult:
    """Build or load the week's report for a team, store it, and (unless dry_run) post it once."""
    week_id = resolve_week(deps, team, week)
    job = await deps.store.call(jobs.start_job, "weekly", team=team.name, period=week_id)
    try:
        result = await _run(team, deps, week_id, dry_run=dry_run, force=force)
    except Exception as e:
        await deps.store.call(jobs.finish_job, job, status="failed", detail=f"{type(e).__name__}: {e}")
        raise
    detail = "no picks" if result.report is None else (
        f"{result.report['papers_analyzed']} papers, {result.report['breakthrough_count']} breakthroughs"
        + ("" if result.synthesized else " (stored report)"))
    status = "empty" if result.report is None else "ok"
    if result.published and result.published.failed:
        status, detail = "failed", "; ".join([detail, *map(str, result.published.failed)])
    await deps.store.call(jobs.finish_job, job, status=status, detail=detail)
    return result


async def _run(team: TeamConfig, deps: Deps, week_id: str, *, dry_run: bool, force: bool) -> WeeklyResult:
    data = await load_week(deps, team.name, week_id)
    if not data.papers:
        log.info("weekly %s %s: no picks stored that week, nothing to report", team.name, week_id)
        return WeeklyResult(team.name, week_id, None, None, None, False)
    stored = await deps.store.call(weekly_store.load_report, team.name, week_id)
    report = None if force or stored is None else stored.report
    if report is not None and await _stale(deps, team, data, report):
        report = None
    synthesized = report is None
    if report is None:
        report = await _synthesize(team, deps, data)
        await deps.store.call(weekly_store.save_report, team.name, week_id, report, scorer=report["scorer"],
                              cost_usd=report["cost_usd"])
    png = await asyncio.to_thread(charts.week_chart, report["stats"], title=report["title"])
    image = Image(f"paperbot-{team.name}-{week_id}.png", png, alt=_alt(report)) if png else None
    thread = weekly_thread(report, image=image)
    published = None if dry_run else await publish(thread, team=team, deps=deps)
    return WeeklyResult(team.name, week_id, report, thread, published, synthesized)


async def _stale(deps: Deps, team: TeamConfig, data: Week, report: dict[str, Any]) -> bool:
    """A stored report no longer matching the week is rebuilt, unless its thread is already out."""
    why = ""
    if report.get("fingerprint") != data.fingerprint:
        why = f"the week's picks changed ({report.get('papers_analyzed')} -> {len(data.papers)} papers)"
    elif report.get("scorer") == "local" and deps.weekly_writer is not None:
        why = "it was built without an LLM and one is configured now"
    if not why:
        return False
    if await deps.store.call(posts.posts_for, team=team.name, kind="weekly", period=data.week):
        log.info("weekly %s %s: stored report is stale (%s) but already posted; --force rebuilds it",
                 team.name, data.week, why)
        return False
    log.info("weekly %s %s: rebuilding the stored report: %s", team.name, data.week, why)
    return True


async def _synthesize(team: TeamConfig, deps: Deps, data: Week) -> dict[str, Any]:
    """The report of the week: by the WeeklyWriter when configured, else from scores and votes alone."""
    cv = await deps.store.call(criteria_store.ensure_team, team.name, team.criteria)
    stats = week_stats(data, criteria_topics(cv.criteria))
    writer = deps.weekly_writer
    if writer is None:
        return local_report(data, stats)
    try:
        raw, calls = await writer.synthesize(data, cv.criteria, team=team.name)
    except UpstreamError as e:
        # The failed attempt still cost money: record it, and post nothing.
        await deps.store.call(scores.record_calls, getattr(e, "calls", ()), team=team.name, ref=data.week)
        raise
    await deps.store.call(scores.record_calls, calls, team=team.name, ref=data.week)
    body, notes = validate_report(raw, data)
    synthesis = raw.get("synthesis") if isinstance(raw.get("synthesis"), dict) else {}
    notes = [*synthesis.get("notes", []), *notes]
    for note in notes:
        log.warning("weekly %s %s: %s", team.name, data.week, note)
    cost = sum(c.cost_usd for c in calls)
    return {**report_header(data, scorer=f"llm:{writer.model}"), **body, "stats": stats,
            "notes": notes, "cost_usd": cost, "llm_calls": len(calls),
            "prompt_version": writer.prompt_version,
            "synthesis": {k: v for k, v in synthesis.items() if k != "notes"}}


def _alt(report: dict[str, Any]) -> str:
    days = ", ".join(f"{d}: {n}" for d, n, _ in report["stats"]["per_day"])
    topics = ", ".join(f"{t}: {n}" for t, n, _ in report["stats"]["topics"])
    return f"Papers picked per day ({days}) and per criteria topic ({topics})."
