"""The first start: on an empty store, fetch the last announcement days, score them, post the latest once.

1. The latest announcement from the RSS feed (the daily job's own source), when today has one.
2. Earlier announcement days from OAI-PMH (`deps.archive`), newest first, weekends skipped, until
   `[startup] backfill_days` days are stored; a paper is listed on one day only.
3. Each day scored for each team as the daily job does (`run_daily(…, dry_run=True)`: LLM when configured,
   else the local ranker), oldest first, so the ranker's history grows day by day.
4. The latest day's digest posted once (`[startup] post_latest`), through the same idempotent publish path
   as the daily job: the start-up catch-up finds it posted and posts nothing twice.

Progress is kept in the kv table after every day fetched, so a restart in the middle resumes where it
stopped; once done it never runs again (nor on a store that already held listings before it existed).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, date, timedelta
from typing import Any, Protocol

from bot.ports import NotConfigured, UpstreamError
from handlers.daily import run_daily
from handlers.deps import Deps
from storage import digests, jobs
from storage import papers as paper_store

log = logging.getLogger("paperbot.first_start")

STATE_KEY = "startup.backfill"
MAX_LOOKBACK = timedelta(days=21)  # holidays included, 7 announcement days are always within three weeks


class Progress(Protocol):
    """Where progress goes: a terminal bar or log lines (bot.progress)."""

    def phase(self, title: str, *, total: int, unit: str, done: int = 0) -> None:
        """A new phase of `total` steps, `done` of them already behind (a resumed start)."""
        ...

    def advance(self, note: str = "") -> None:
        """One step done."""
        ...

    def close(self) -> None:
        """The last phase is over."""
        ...


class NoProgress:
    """Progress that shows nothing."""

    def phase(self, title: str, *, total: int, unit: str, done: int = 0) -> None:
        """Nothing."""

    def advance(self, note: str = "") -> None:
        """Nothing."""

    def close(self) -> None:
        """Nothing."""


@dataclass
class FirstStart:
    """What the first start did."""

    days: list[date] = field(default_factory=list)  # announcement days stored, newest first
    scored: int = 0  # (team, day) digests made now
    failed: list[str] = field(default_factory=list)  # "team day: why" of digests that could not be made
    posted: list[str] = field(default_factory=list)  # teams whose latest digest was posted
    resumed: bool = False


async def _state(deps: Deps) -> dict[str, Any] | None:
    raw = await deps.store.call(jobs.kv_get, STATE_KEY)
    return json.loads(raw) if raw else None


async def _save(deps: Deps, state: dict[str, Any]) -> None:
    await deps.store.call(jobs.kv_set, STATE_KEY, json.dumps(state))


async def first_start(deps: Deps, *, progress: Progress | None = None) -> FirstStart | None:
    """Run (or resume) the backfill when it is due; None when there is nothing to do."""
    want = deps.config.startup.backfill_days
    state = await _state(deps)
    if want <= 0 or (state is not None and state.get("status") == "done"):
        return None
    if state is None:
        if await deps.store.call(paper_store.listing_day_count) > 0:
            await _save(deps, {"status": "done", "note": "the store held listings before the first start"})
            return None
        state = {"status": "running", "days": [], "checked": []}
    report = FirstStart(resumed=bool(state["checked"]))
    bar = progress or NoProgress()
    try:
        report.days = await _fetch(deps, state, want, bar)
        await _score(deps, report, bar)
        if deps.config.startup.post_latest and report.days and not state.get("posted"):
            with deps.gate.job():  # on SIGTERM a post in progress may finish, like the daily job's
                state["posted"] = await _post_latest(deps, report, bar)
    finally:
        bar.close()
    state["status"] = "running" if report.failed else "done"  # a failed day is scored on the next start
    await _save(deps, state)
    return report


async def _fetch(deps: Deps, state: dict[str, Any], want: int, bar: Progress) -> list[date]:
    cfg = deps.config.arxiv
    days = [date.fromisoformat(d) for d in state["days"]]
    checked = set(state["checked"])
    seen: set[str] = set()
    for d in days:
        seen.update(e.paper.arxiv_id for e in await deps.store.call(paper_store.listing_for_day, d))
    bar.phase("Fetching arXiv announcement days", total=want, unit="day", done=min(len(days), want))
    if "rss_day" not in state:
        try:
            listing = await deps.need_source().listing(cfg.categories, cfg.announce_types)
        except UpstreamError as e:  # the RSS feed is down: OAI-PMH has the latest day too
            log.warning("first start: arXiv's RSS feed did not answer (%s); reading every day from OAI-PMH", e)
            listing = None
        state["rss_day"] = listing.day.isoformat() if listing and listing.day and listing.entries else ""
        if listing and listing.day and listing.entries:
            await deps.store.call(paper_store.save_listing, listing.day, list(listing.entries))
            days.append(listing.day)
            seen.update(e.paper.arxiv_id for e in listing.entries)
            bar.advance(f"{listing.day}: {len(listing.entries)} papers (RSS)")
        state["days"] = [d.isoformat() for d in days]
        await _save(deps, state)
    start = (date.fromisoformat(state["rss_day"]) - timedelta(days=1) if state["rss_day"]
             else deps.clock.now().astimezone(UTC).date())
    archive = deps.archive
    if archive is None:
        raise NotConfigured("the first start needs arXiv's OAI-PMH interface ([arxiv] oai_url)")
    d = start
    while len(days) < want and d >= start - MAX_LOOKBACK:
        if d.isoformat() not in checked and d.weekday() < 5:  # arXiv announces Sun–Thu evening ET: Mon–Fri UTC
            listing = await archive.announced(d, cfg.categories, cfg.announce_types)
            entries = [e for e in listing.entries if e.paper.arxiv_id not in seen]
            if entries:
                await deps.store.call(paper_store.save_listing, d, entries)
                days.append(d)
                seen.update(e.paper.arxiv_id for e in entries)
                bar.advance(f"{d}: {len(entries)} papers")
            checked.add(d.isoformat())
            state["days"], state["checked"] = [x.isoformat() for x in days], sorted(checked)
            await _save(deps, state)  # the resume point: a restart skips every day checked
        d -= timedelta(days=1)
    return sorted(days, reverse=True)


async def _score(deps: Deps, report: FirstStart, bar: Progress) -> None:
    """Every (team, day) without a digest, oldest day first, as the daily job scores it (posting nothing)."""
    todo = []
    for day in sorted(report.days):
        for team in deps.config.teams:
            if await deps.store.call(digests.digest_meta, team.name, day) is None:
                todo.append((team, day))
    bar.phase("Scoring for each team", total=len(todo), unit="digest")
    for team, day in todo:
        try:
            result = await run_daily(team, deps, day=day, dry_run=True)
        except Exception as e:  # one day failing (the LLM down) must not lose the others
            log.warning("first start: scoring %s for %s failed: %s", day, team.name, e)
            report.failed.append(f"{team.name} {day}: {e}")
            continue
        report.scored += 1
        picks = len(result.digest.picks) if result.digest else 0
        bar.advance(f"{team.name} {day}: {picks} picks")


async def _post_latest(deps: Deps, report: FirstStart, bar: Progress) -> bool:
    """Post the latest day's digest once per team (idempotent: a post already made is skipped); True if all went."""
    latest, ok = report.days[0], True
    bar.phase(f"Posting the {latest} digest", total=len(deps.config.teams), unit="team")
    for team in deps.config.teams:
        try:
            result = await run_daily(team, deps, day=latest, dry_run=False)
        except Exception as e:  # a platform down: the posts table lets the next start finish it
            log.warning("first start: posting the %s digest for %s failed: %s", latest, team.name, e)
            report.failed.append(f"{team.name} post {latest}: {e}")
            ok = False
            continue
        published = result.published
        if published is not None and published.failed:  # a platform down: the others were posted
            why = "; ".join(map(str, published.failed))
            log.warning("first start: posting the %s digest for %s failed: %s", latest, team.name, why)
            report.failed.append(f"{team.name} post {latest}: {why}")
            ok = False
        elif published is not None and published.targets:  # a team with no channel posts nowhere
            report.posted.append(team.name)
        bar.advance(team.name)
    return ok
