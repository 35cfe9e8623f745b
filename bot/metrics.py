"""Prometheus metrics (prometheus_client): posts, votes, LLM use and cost, errors, job runs and durations.

The few central points of the bot call the record_* helpers; GET /metrics (bot.health) renders them.
Counter names get prometheus_client's `_total` suffix: `paperbot_posts` is scraped as `paperbot_posts_total`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, Histogram, generate_latest

from bot.shutdown import ShuttingDown

POSTS = Counter("paperbot_posts", "Messages of digests and weekly threads, by what happened to them",
                ["platform", "kind", "outcome"])  # outcome: posted | skipped (already there) | busy | failed
VOTES = Counter("paperbot_votes", "Voting reactions handled", ["platform", "outcome"])  # voted|unvoted|no change
LLM_CALLS = Counter("paperbot_llm_calls", "LLM calls", ["purpose", "outcome"])  # outcome: ok | error
LLM_TOKENS = Counter("paperbot_llm_tokens", "LLM tokens", ["purpose", "kind"])  # kind: prompt|completion|cached
LLM_COST = Counter("paperbot_llm_cost_usd", "LLM cost in USD at the configured prices", ["purpose"])
COMMAND_ERRORS = Counter("paperbot_command_errors", "Commands answered with an error", ["command", "kind"])
JOB_RUNS = Counter("paperbot_job_runs", "Scheduled job runs", ["job", "outcome"])  # ok | failed | stopped
JOB_DURATION = Histogram("paperbot_job_duration_seconds", "Duration of the scheduled jobs", ["job"],
                         buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200))
HEALTH = Gauge("paperbot_health_check", "1 if a health check passed at the last /healthz or scrape, else 0",
               ["check"])

for _job in ("daily", "weekly"):  # present (at 0) from the start, so a rate() or an alert has a series
    JOB_DURATION.labels(_job)
    for _outcome in ("ok", "failed", "stopped"):
        JOB_RUNS.labels(_job, _outcome)


def record_post(platform: str, kind: str, outcome: str, n: int = 1) -> None:
    """Count messages of a thread: posted, skipped (already there), busy (another process) or failed."""
    if n:
        POSTS.labels(platform, kind, outcome).inc(n)


def record_vote(platform: str, outcome: str) -> None:
    """Count a voting reaction by its outcome."""
    VOTES.labels(platform, outcome).inc()


def record_llm_call(purpose: str, *, ok: bool, prompt_tokens: int = 0, completion_tokens: int = 0,
                    cached_tokens: int = 0, cost_usd: float = 0.0) -> None:
    """Count one LLM call with its tokens and cost."""
    p = purpose or "other"
    LLM_CALLS.labels(p, "ok" if ok else "error").inc()
    for kind, n in (("prompt", prompt_tokens), ("completion", completion_tokens), ("cached", cached_tokens)):
        if n:
            LLM_TOKENS.labels(p, kind).inc(n)
    if cost_usd:
        LLM_COST.labels(p).inc(cost_usd)


def record_command_error(command: str, kind: str) -> None:
    """Count a command answered with an error: user, upstream, not_configured or internal."""
    COMMAND_ERRORS.labels(command, kind).inc()


@contextmanager
def timed_job(job: str) -> Iterator[None]:
    """Time a scheduled job and count its outcome (a stop by shutdown is 'stopped', not 'failed')."""
    start = time.monotonic()
    outcome = "failed"
    try:
        yield
        outcome = "ok"
    except (ShuttingDown, asyncio.CancelledError):
        outcome = "stopped"
        raise
    finally:
        JOB_DURATION.labels(job).observe(time.monotonic() - start)
        JOB_RUNS.labels(job, outcome).inc()


def set_health(check: str, ok: bool) -> None:
    """The last result of a health check, as a gauge."""
    HEALTH.labels(check).set(1 if ok else 0)


def exposition() -> tuple[bytes, str]:
    """The metrics in Prometheus' text format, and its content type."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
