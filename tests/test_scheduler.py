"""Scheduling: cron per team in its timezone, generous misfire grace, start-up catch-up once."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.scheduler import build_scheduler, daily_trigger, missed_today, weekly_trigger
from tests.support import make_config


async def _noop(team) -> None:
    return None


def test_daily_and_weekly_triggers_follow_team_timezone(tmp_path: Path) -> None:
    c = make_config(tmp_path, team={"timezone": "Europe/Berlin", "daily_time": "08:30", "weekly_day": "mon"})
    team = c.teams[0]
    now = datetime(2026, 1, 27, 6, 0, tzinfo=UTC)  # 07:00 in Berlin
    nxt = daily_trigger(c, team).get_next_fire_time(None, now)
    assert nxt.astimezone(UTC) == datetime(2026, 1, 27, 7, 30, tzinfo=UTC)
    wk = weekly_trigger(c, team).get_next_fire_time(None, now)
    assert wk.weekday() == 0  # Monday, named not numbered


async def test_scheduler_has_one_daily_and_weekly_job_per_team(tmp_path: Path) -> None:
    c = make_config(tmp_path, teams=[
        {"name": "a", "criteria": {"topics": "MoE"}},
        {"name": "b", "criteria": {"topics": "GNN"}, "daily_time": "10:00"},
    ])
    s = build_scheduler(c, daily=_noop, weekly=_noop)
    ids = sorted(j.id for j in s.get_jobs())
    assert ids == ["daily:a", "daily:b", "weekly:a", "weekly:b"]
    assert s._job_defaults["misfire_grace_time"] == c.schedule.misfire_grace_s > 1


def test_missed_today_window(tmp_path: Path) -> None:
    c = make_config(tmp_path, schedule={"daily_time": "09:00", "misfire_grace_s": 3600})
    t = c.teams[0]
    assert not missed_today(c, t, datetime(2026, 1, 27, 8, 59, tzinfo=UTC))
    assert missed_today(c, t, datetime(2026, 1, 27, 9, 20, tzinfo=UTC))
    assert not missed_today(c, t, datetime(2026, 1, 27, 10, 1, tzinfo=UTC))


async def test_a_due_job_really_runs_its_coroutine_in_the_loop(tmp_path: Path) -> None:
    import asyncio
    import functools

    c = make_config(tmp_path)
    ran = asyncio.Event()
    seen = []

    async def job(team, *, note: str) -> None:
        seen.append((team.name, note))
        ran.set()

    s = build_scheduler(c, daily=functools.partial(job, note="daily"), weekly=functools.partial(job, note="weekly"))
    s.start()
    try:
        s.get_job("daily:foundations").modify(next_run_time=datetime.now(UTC))
        await asyncio.wait_for(ran.wait(), timeout=10)
    finally:
        s.shutdown(wait=False)
    assert seen == [("foundations", "daily")]
