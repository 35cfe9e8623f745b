"""APScheduler 3.x: one cron job per team for the daily digest and one for the weekly report."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.config import Config, TeamConfig

log = logging.getLogger("paperbot.scheduler")

TeamJob = Callable[[TeamConfig], Awaitable[object]]


def team_schedule(config: Config, team: TeamConfig) -> tuple[str, str, str, str]:
    """(timezone, daily HH:MM, weekly day, weekly HH:MM) for a team, falling back to [schedule]."""
    s = config.schedule
    return (config.team_timezone(team), team.daily_time or s.daily_time, team.weekly_day or s.weekly_day,
            team.weekly_time or s.weekly_time)


def _hour_minute(hhmm: str) -> tuple[int, int]:
    h, m = hhmm.split(":")
    return int(h), int(m)


def daily_trigger(config: Config, team: TeamConfig) -> CronTrigger:
    """Every day at the team's time in its timezone (arXiv has no announcement on some days: that's fine)."""
    tz, hhmm, _, _ = team_schedule(config, team)
    h, m = _hour_minute(hhmm)
    # Day names, not numbers: cron numbering in APScheduler starts at Monday = 0.
    return CronTrigger(day_of_week="mon,tue,wed,thu,fri,sat,sun", hour=h, minute=m, timezone=ZoneInfo(tz))


def weekly_trigger(config: Config, team: TeamConfig) -> CronTrigger:
    """Once a week at the team's weekly day and time."""
    tz, _, day, hhmm = team_schedule(config, team)
    h, m = _hour_minute(hhmm)
    return CronTrigger(day_of_week=day, hour=h, minute=m, timezone=ZoneInfo(tz))


def build_scheduler(config: Config, *, daily: TeamJob, weekly: TeamJob | None = None) -> AsyncIOScheduler:
    """A scheduler with the jobs added; call .start() inside the running loop."""
    sched = AsyncIOScheduler(
        job_defaults={
            # The default grace of 1 s silently skips a run missed while busy or down.
            "misfire_grace_time": config.schedule.misfire_grace_s,
            "coalesce": True,
            "max_instances": 1,
        }
    )
    for team in config.teams:
        sched.add_job(daily, daily_trigger(config, team), args=[team], id=f"daily:{team.name}",
                      name=f"daily digest for {team.name}", replace_existing=True)
        if weekly is not None:
            sched.add_job(weekly, weekly_trigger(config, team), args=[team], id=f"weekly:{team.name}",
                          name=f"weekly report for {team.name}", replace_existing=True)
    return sched


def missed_today(config: Config, team: TeamConfig, now: datetime) -> bool:
    """True when today's daily time has passed (in the team's timezone): a start-up catch-up is due."""
    tz, hhmm, _, _ = team_schedule(config, team)
    local = now.astimezone(ZoneInfo(tz))
    h, m = _hour_minute(hhmm)
    due = local.replace(hour=h, minute=m, second=0, microsecond=0)
    return due <= local < due + timedelta(seconds=config.schedule.misfire_grace_s)
