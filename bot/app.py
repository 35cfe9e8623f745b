"""Composition root: builds everything from config and runs it in ONE asyncio loop; clean shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from bot import metrics
from bot.config import Config, ConfigError, TeamConfig
from bot.health import Health
from bot.llm.client import OpenAIChat
from bot.llm.explain import LLMExplainer
from bot.llm.scoring import LLMScorer
from bot.llm.weekly import LLMWeeklyWriter
from bot.platforms.console import ConsoleChat, console_loop
from bot.platforms.unavailable import UnavailableChat
from bot.ports import Chat, UpstreamError
from bot.scheduler import build_scheduler, missed_today
from bot.shutdown import ShuttingDown
from bot.sources.arxiv import ArxivSource
from handlers.daily import run_daily
from handlers.deps import Deps, SystemClock
from handlers.publish import log_failures
from handlers.service import BotService
from storage import jobs, maintenance
from storage.db import Store

log = logging.getLogger("paperbot.app")


def build_llm(config: Config) -> OpenAIChat | None:
    """The OpenAI-compatible client, or None when no key and no base_url are configured."""
    c = config.llm
    if not c.enabled:
        return None
    return OpenAIChat(
        model=c.model, api_key=c.api_key or "not-needed", base_url=c.base_url or None, timeout_s=c.timeout_s,
        max_retries=c.max_retries, price_prompt_per_m=c.price_prompt_per_m,
        price_completion_per_m=c.price_completion_per_m, price_cached_per_m=c.price_cached_per_m,
        json_mode=c.json_mode,
    )


def build_deps(config: Config, *, store: Store | None = None, chats: dict[str, Chat] | None = None) -> Deps:
    """Everything handlers need, from config (nothing connects until used)."""
    a = config.arxiv
    source = ArxivSource(rss_url=a.rss_url, api_url=a.api_url, html_url=a.html_url, timeout_s=a.timeout_s,
                         min_interval_s=a.min_interval_s)
    llm = build_llm(config)
    scorer = explainer = weekly_writer = None
    if llm is not None:
        scorer = LLMScorer(llm, batch_size=config.llm.batch_size, concurrency=config.llm.concurrency,
                           max_abstract_chars=config.llm.max_abstract_chars)
        explainer = LLMExplainer(llm)
        weekly_writer = LLMWeeklyWriter(llm, concurrency=config.llm.concurrency)
    return Deps(config=config, store=store or Store.open(config.storage.path),
                clock=SystemClock(config.schedule.timezone), source=source, scorer=scorer, llm=llm,
                explainer=explainer, weekly_writer=weekly_writer, chats=dict(chats or {}))


async def daily_job(team: TeamConfig, *, deps: Deps) -> None:
    """The scheduled daily run; failures are logged, never crash the bot."""
    try:
        with deps.gate.job(), metrics.timed_job("daily"):
            result = await run_daily(team, deps)
        if result.digest is None:
            log.info("daily %s: no announcement today", team.name)
        log_failures(result.published, f"daily digest for {team.name}")
    except ShuttingDown:
        log.info("daily digest for %s stopped before its next message; the next start posts the rest", team.name)
    except Exception:
        log.exception("daily digest for %s failed; it will be retried at the next start or run", team.name)


async def weekly_job(team: TeamConfig, *, deps: Deps) -> None:
    """The scheduled weekly report."""
    try:
        from handlers.weekly import run_weekly

        with deps.gate.job(), metrics.timed_job("weekly"):
            result = await run_weekly(team, deps)
        log_failures(result.published, f"weekly report for {team.name}")
    except ShuttingDown:
        log.info("weekly report for %s stopped before its next message; the next run posts the rest", team.name)
    except Exception:
        log.exception("weekly report for %s failed", team.name)


async def catch_up(config: Config, deps: Deps, *, now: datetime | None = None) -> list[str]:
    """On start, run today's daily digest for teams whose time passed while the bot was down."""
    done = []
    for team in config.teams:
        tz = ZoneInfo(config.team_timezone(team))
        now_l = (now or datetime.now(tz)).astimezone(tz)
        if not missed_today(config, team, now_l):
            continue
        # Only a posting run of the latest feed counts (period "": not a re-run of an older day), and
        # "today" is the team's: started_at is UTC, so compare dates in the team's timezone.
        last = await deps.store.call(jobs.last_job, "daily", team=team.name, period="")
        if (last and last["status"] in ("ok", "empty")
                and datetime.fromisoformat(last["started_at"]).astimezone(tz).date() == now_l.date()):
            continue
        log.info("catching up the missed daily digest for %s", team.name)
        await daily_job(team, deps=deps)
        done.append(team.name)
    return done


async def run_bot(config: Config, *, console: bool | None = None, stop: asyncio.Event | None = None) -> None:
    """`paperbot run`: platforms + scheduler in one loop until Ctrl-C / SIGTERM (or `stop` is set)."""
    deps = build_deps(config)
    service = BotService(deps)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    stoppers: list = []
    tasks: list[asyncio.Task] = []
    scheduler = None
    health = Health()
    health.add("database", lambda: deps.store.call(maintenance.ping))
    try:
        if config.ops.health_port and not _health_on_slack(config):
            await health.serve(config.ops.health_host, config.ops.health_port)
        chats = await _start_platforms(config, service, stoppers, health)
        use_console = console if console is not None else not chats
        if use_console:
            chats["console"] = ConsoleChat()
        deps.chats = chats
        # partial, not lambda: APScheduler awaits only (partials of) coroutine functions in the loop;
        # anything else it runs in a thread, where a coroutine would never be awaited.
        scheduler = build_scheduler(config, daily=functools.partial(daily_job, deps=deps),
                                    weekly=functools.partial(weekly_job, deps=deps))
        scheduler.start()
        health.add("scheduler", lambda: scheduler is not None and scheduler.running)
        for job in scheduler.get_jobs():
            log.info("scheduled %s: next run %s", job.name, job.next_run_time)
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        tasks.append(asyncio.create_task(catch_up(config, deps)))
        if use_console:
            tasks.append(asyncio.create_task(_console_then_stop(service, stop)))
        health.phase = "running"
        await stop.wait()
    finally:
        log.info("shutting down")
        health.phase = "stopping"
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
        if scheduler is not None and scheduler.running:
            scheduler.pause()  # no new job starts; shutdown() would cancel the running ones mid-post
        await deps.gate.drain(config.ops.shutdown_grace_s)
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        for t in tasks:
            t.cancel()
        # Let them unwind (a catch-up mid-run finishes its pending DB call) before the store closes under them.
        await asyncio.gather(*tasks, return_exceptions=True)
        for s in reversed(stoppers):
            with contextlib.suppress(Exception):
                await s()
        await health.close()
        deps.store.close()


def _health_on_slack(config: Config) -> bool:
    """Slack's HTTP mode listens on the health port already: /healthz and /metrics are served there."""
    return config.slack.enabled and config.slack.mode == "http" and config.slack.port == config.ops.health_port


async def _start_platforms(config: Config, service: BotService, stoppers: list, health: Health) -> dict[str, Chat]:
    """Start Slack and/or Discord in this loop; each started one leaves its stop() in `stoppers`.

    A platform that fails to start (rejected token, outage) is logged by name and replaced by an
    UnavailableChat: the other one still runs and posts. A config error still stops the bot.
    """
    chats: dict[str, Chat] = {}
    if config.slack.enabled:
        from bot.platforms.slack.adapter import SlackAdapter

        slack = SlackAdapter(config.slack, service, routes=health.routes(with_metrics=_health_on_slack(config)))
        if await _started("slack", slack.start, chats, health):
            stoppers.append(slack.stop)
            health.add("slack", slack.connected)
            chats["slack"] = slack.chat
    if config.discord.enabled:
        from bot.platforms.discord.adapter import DiscordAdapter

        discord_ = DiscordAdapter(config.discord, service)
        if await _started("discord", discord_.start, chats, health):
            stoppers.append(discord_.stop)
            health.add("discord", discord_.connected)
            chats["discord"] = discord_.chat
    return chats


async def _started(platform: str, start: Callable[[], Awaitable[None]], chats: dict[str, Chat],
                   health: Health) -> bool:
    """Run a platform's start(); on failure log it, mark it down in health and stand in for it."""
    try:
        await start()
        return True
    except ConfigError:
        raise
    except Exception as e:
        down = UnavailableChat(platform, e)
        chats[platform] = down
        health.add(platform, lambda: False)
        log.error("%s did not start (%s); the other platforms run without it, and every post to it fails "
                  "until the bot is restarted", down.service, down.detail)
        return False


async def _console_then_stop(service: BotService, stop: asyncio.Event) -> None:
    try:
        await console_loop(service)
    finally:
        stop.set()


@contextlib.asynccontextmanager
async def open_chats(config: Config) -> AsyncIterator[dict[str, Chat]]:
    """Post-only chats for one-shot CLI runs: Slack/Discord when configured, else the console."""
    chats: dict[str, Chat] = {}
    closers = []
    if config.slack.enabled:
        from bot.platforms.slack.chat import open_slack_chat

        chat, close = await open_slack_chat(config.slack)
        chats["slack"] = chat
        closers.append(close)
    if config.discord.enabled:
        from bot.platforms.discord.chat import open_discord_chat

        try:
            chat, close = await open_discord_chat(config.discord)
            chats["discord"] = chat
            closers.append(close)
        except UpstreamError as e:  # e.g. a rejected token: the other platforms still post
            chats["discord"] = UnavailableChat("discord", e)
            log.error("Discord: %s; posting to the other platforms only", e.detail)
    if not chats:
        chats["console"] = ConsoleChat()
    try:
        yield chats
    finally:
        for c in closers:
            with contextlib.suppress(Exception):
                await c()
