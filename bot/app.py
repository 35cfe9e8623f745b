"""Composition root: builds everything from config and runs it in ONE asyncio loop; clean shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import signal
from collections.abc import AsyncIterator, Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from bot import metrics
from bot.config import Config, ConfigError, TeamConfig
from bot.core.votes import VoteEmoji
from bot.health import Health
from bot.llm.ask import LLMAsker
from bot.llm.client import OpenAIChat
from bot.llm.explain import LLMExplainer
from bot.llm.scoring import LLMScorer
from bot.llm.weekly import LLMWeeklyWriter
from bot.platforms.console import console_loop, console_platform
from bot.platforms.registry import PLATFORMS, PlatformRegistry
from bot.platforms.unavailable import UnavailableChat, UnavailablePlatform
from bot.ports import NotConfigured, Platform, UpstreamError
from bot.progress import terminal_progress
from bot.scheduler import build_scheduler, missed_today
from bot.shutdown import ShuttingDown
from bot.sources.arxiv import ArxivSource
from bot.sources.oai import OaiArchive
from handlers.daily import run_daily
from handlers.deps import Deps, SystemClock
from handlers.first_start import Progress, first_start
from handlers.publish import log_failures
from handlers.service import BotService
from storage import jobs, maintenance, vectors
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


def build_deps(config: Config, *, store: Store | None = None, platforms: dict[str, Platform] | None = None) -> Deps:
    """Everything handlers need, from config (nothing connects until used)."""
    a = config.arxiv
    source = ArxivSource(rss_url=a.rss_url, api_url=a.api_url, html_url=a.html_url, timeout_s=a.timeout_s,
                         min_interval_s=a.min_interval_s)
    archive = OaiArchive(oai_url=a.oai_url, throttle=source.throttle, timeout_s=a.timeout_s)  # one 3 s rule
    llm = build_llm(config)
    scorer = explainer = weekly_writer = asker = None
    if llm is not None:
        scorer = LLMScorer(llm, batch_size=config.llm.batch_size, concurrency=config.llm.concurrency,
                           max_abstract_chars=config.llm.max_abstract_chars)
        explainer = LLMExplainer(llm)
        weekly_writer = LLMWeeklyWriter(llm, concurrency=config.llm.concurrency)
        asker = LLMAsker(llm)
    return Deps(config=config, store=store or Store.open(config.storage.path),
                clock=SystemClock(config.schedule.timezone), source=source, scorer=scorer, llm=llm,
                explainer=explainer, weekly_writer=weekly_writer, asker=asker, platforms=dict(platforms or {}),
                archive=archive)


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


async def start_up(config: Config, deps: Deps, *, progress: Progress | None = None) -> None:
    """The first start's backfill (when the store is empty or it was interrupted), then the daily catch-up.

    In this order, in one task: the catch-up then finds the latest digest posted and posts nothing twice.
    """
    try:
        done = await first_start(deps, progress=progress or terminal_progress())
        if done is not None:
            log.info("first start: %d announcement days stored (%s), %d digests scored, latest posted for %s%s",
                     len(done.days), ", ".join(d.isoformat() for d in done.days), done.scored,
                     ", ".join(done.posted) or "no team",
                     f"; {len(done.failed)} failed, retried at the next start" if done.failed else "")
    except (UpstreamError, NotConfigured) as e:
        log.warning("first start stopped: %s; the next start resumes it where it stopped", e)
    except Exception:
        log.exception("first start failed; the next start resumes it where it stopped")
    await catch_up(config, deps)


async def fill_rows(deps: Deps, *, batch: int = 250, pause_s: float = 0.05) -> int:
    """Vectorise, a batch at a time, the stored papers with no term row (a store from before rows existed)."""
    done, below = 0, None
    while True:
        n, below = await deps.store.call(vectors.fill_missing, limit=batch, below=below)
        done += n
        if below is None:
            break
        await asyncio.sleep(pause_s)  # ~0.2 s batches: commands waiting for the DB thread go in between
    if done:
        log.info("stored the term rows of %d papers that had none", done)
    return done


async def run_bot(config: Config, *, console: bool | None = None, stop: asyncio.Event | None = None,
                  registry: PlatformRegistry = PLATFORMS) -> None:
    """`paperbot run`: platforms + scheduler in one loop until Ctrl-C / SIGTERM (or `stop` is set)."""
    deps = build_deps(config)
    service = BotService(deps)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    platforms: dict[str, Platform] = {}
    tasks: list[asyncio.Task] = []
    scheduler = None
    health = Health()
    health.add("database", lambda: deps.store.call(maintenance.ping))
    try:
        if config.ops.health_port and not _health_on_slack(config):
            await health.serve(config.ops.health_host, config.ops.health_port)
        routes = health.routes(with_metrics=_health_on_slack(config))  # for a platform's own HTTP server
        await _start(platforms, (c.listen(config, service, routes) for c in registry.enabled(config)), health)
        use_console = console if console is not None else not platforms
        if use_console:
            platforms["console"] = console_platform()
        deps.platforms = platforms
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
        tasks.append(asyncio.create_task(start_up(config, deps)))
        tasks.append(asyncio.create_task(fill_rows(deps)))
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
        await _stop(platforms)
        await health.close()
        deps.store.close()


def _health_on_slack(config: Config) -> bool:
    """Slack's HTTP mode listens on the health port already: /healthz and /metrics are served there."""
    return config.slack.enabled and config.slack.mode == "http" and config.slack.port == config.ops.health_port


async def _start(started: dict[str, Platform], platforms: Iterable[Platform], health: Health) -> None:
    """Start each platform in this loop, in order; each one is in `started` and in /healthz.

    A platform that fails to start (rejected token, outage) is logged by name and replaced by a stand-in
    whose posts fail with the reason: the others still run and post. A config error still stops the bot.
    """
    for p in platforms:
        try:
            await p.start()
        except ConfigError:
            raise
        except Exception as e:
            with contextlib.suppress(Exception):
                await p.stop()  # whatever it opened before failing
            p = _stand_in(p.name, e, p.vote_emoji, "%s did not start (%s); the other platforms run without it, "
                          "and every post to it fails until the bot is restarted")
        started[p.name] = p
        health.add(p.name, p.connected)


async def _stop(platforms: dict[str, Platform]) -> None:
    """Stop the platforms, last started first; one failing to stop does not keep the others running."""
    for p in reversed(platforms.values()):
        with contextlib.suppress(Exception):
            await p.stop()


def _stand_in(name: str, error: Exception, vote_emoji: VoteEmoji, said: str) -> Platform:
    """Log `said` (%-formatted with the service and the reason); the stand-in whose posts fail with the reason."""
    chat = UnavailableChat(name, error)
    log.error(said, chat.service, chat.detail)
    return UnavailablePlatform(name, chat, vote_emoji)


async def _console_then_stop(service: BotService, stop: asyncio.Event) -> None:
    try:
        await console_loop(service)
    finally:
        stop.set()


@contextlib.asynccontextmanager
async def open_platforms(config: Config, *, registry: PlatformRegistry = PLATFORMS,
                         ) -> AsyncIterator[dict[str, Platform]]:
    """Post-only platforms for one-shot CLI runs: every configured one, else the console.

    One that cannot be opened (e.g. a rejected token) is a stand-in: the other platforms still post.
    """
    platforms: dict[str, Platform] = {}
    try:
        for c in registry.enabled(config):
            try:
                p = await c.open(config)
            except UpstreamError as e:
                p = _stand_in(c.name, e, c.settings(config).vote_emoji, "%s: %s; posting to the other platforms only")
            platforms[p.name] = p
        if not platforms:
            platforms["console"] = console_platform()
        yield platforms
    finally:
        await _stop(platforms)
