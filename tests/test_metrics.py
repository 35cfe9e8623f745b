"""Prometheus metrics move where the bot acts: posts, votes, LLM calls, command errors, scheduled jobs.

Counters are process-wide, so each test reads them before and after (a delta), through prometheus_client's
own registry: what /metrics serves.
"""

from __future__ import annotations

import json
from pathlib import Path

from prometheus_client import REGISTRY

from bot.app import daily_job
from bot.core.digest_view import digest_thread
from bot.core.models import ReactionEvent
from bot.llm.client import OpenAIChat
from bot.ports import UpstreamError
from bot.sources.arxiv import ArxivSource
from handlers.publish import publish
from handlers.service import BotService
from tests.fakes.arxiv_server import ArxivServer, Reply
from tests.fakes.openai_server import FakeOpenAI, HTTPError
from tests.handlers.seeding import run, seed_store
from tests.support import FakeChat, make_config, make_deps, seed_digest


def value(name: str, **labels: str) -> float:
    """The current value of one sample (0 when the series does not exist yet)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_posts_count_what_was_posted_and_what_a_rerun_skipped(tmp_path: Path) -> None:
    config = make_config(tmp_path, team={"slack_channels": ["C1"]})
    deps = make_deps(config, chats={"slack": FakeChat("slack")})
    thread = digest_thread(seed_digest(4, digest_size=2))
    posted = dict(platform="slack", kind="daily", outcome="posted")
    skipped = dict(posted, outcome="skipped")
    failed = dict(posted, outcome="failed")
    p0, s0, f0 = value("paperbot_posts_total", **posted), value("paperbot_posts_total", **skipped), \
        value("paperbot_posts_total", **failed)
    try:
        report = await publish(thread, team=config.teams[0], deps=deps)
        assert value("paperbot_posts_total", **posted) - p0 == report.posted == 1 + len(thread.replies)
        await publish(thread, team=config.teams[0], deps=deps)
        assert value("paperbot_posts_total", **skipped) - s0 == report.posted
        assert value("paperbot_posts_total", **failed) == f0
    finally:
        deps.store.close()


async def test_a_failed_send_counts_as_failed(tmp_path: Path) -> None:
    config = make_config(tmp_path, team={"slack_channels": ["C1"]})
    deps = make_deps(config, chats={"slack": FakeChat("slack", fail_after=2)})
    failed = dict(platform="slack", kind="daily", outcome="failed")
    before = value("paperbot_posts_total", **failed)
    try:
        try:
            await publish(digest_thread(seed_digest(4, digest_size=2)), team=config.teams[0], deps=deps)
        except ConnectionError:
            pass
        assert value("paperbot_posts_total", **failed) - before == 1
    finally:
        deps.store.close()


async def test_votes_are_counted_by_outcome(tmp_path: Path) -> None:
    config = make_config(tmp_path, team={"discord_channels": ["D1"]})
    deps = make_deps(config, chats={"discord": FakeChat("discord")})
    try:
        await publish(digest_thread(seed_digest(3, digest_size=3)), team=config.teams[0], deps=deps)
        service = BotService(deps)
        voted, no_change = (dict(platform="discord", outcome=o) for o in ("voted", "no_change"))
        v0, n0 = value("paperbot_votes_total", **voted), value("paperbot_votes_total", **no_change)
        for _ in range(2):  # the second identical reaction changes nothing
            await service.on_reaction(ReactionEvent("discord", "D1", "m2", "u1", "👍", added=True))
        assert value("paperbot_votes_total", **voted) - v0 == 1
        assert value("paperbot_votes_total", **no_change) - n0 == 1
    finally:
        deps.store.close()


async def test_llm_calls_tokens_and_cost_by_purpose(openai_server: FakeOpenAI) -> None:
    chat = OpenAIChat(model="gpt-5-mini", api_key="sk-test", base_url=openai_server.base_url, max_retries=0,
                      price_prompt_per_m=0.25, price_completion_per_m=2.0)
    openai_server.answer = lambda req: json.dumps({"ok": True})
    ok, err = dict(purpose="metrics-test", outcome="ok"), dict(purpose="metrics-test", outcome="error")
    c0, e0 = value("paperbot_llm_calls_total", **ok), value("paperbot_llm_calls_total", **err)
    t0 = value("paperbot_llm_tokens_total", purpose="metrics-test", kind="prompt")
    d0 = value("paperbot_llm_cost_usd_total", purpose="metrics-test")
    completion = await chat.complete(system="s", user="u", purpose="metrics-test")
    assert value("paperbot_llm_calls_total", **ok) - c0 == 1
    assert value("paperbot_llm_tokens_total", purpose="metrics-test", kind="prompt") - t0 == completion.prompt_tokens > 0
    assert abs(value("paperbot_llm_cost_usd_total", purpose="metrics-test") - d0 - chat.cost(completion)) < 1e-12
    openai_server.push(HTTPError(401, "Incorrect API key provided", code="invalid_api_key"))
    try:
        await chat.complete(system="s", user="u", purpose="metrics-test")
    except UpstreamError:
        pass
    assert value("paperbot_llm_calls_total", **err) - e0 == 1
    await chat.aclose()


async def test_command_errors_by_kind(tmp_path: Path) -> None:
    deps = make_deps(make_config(tmp_path))
    seed_store(deps.store)
    user, internal = (dict(command="papers", kind=k) for k in ("user", "internal"))
    u0, i0 = value("paperbot_command_errors_total", **user), value("paperbot_command_errors_total", **internal)
    try:
        await run(deps, "/papers day not-a-date")
        assert value("paperbot_command_errors_total", **user) - u0 == 1
        deps.store.sync(lambda db: db.execute("DROP TABLE votes"))  # a broken store: the bot's fault
        await run(deps, "/papers top")
        assert value("paperbot_command_errors_total", **internal) - i0 == 1
    finally:
        deps.store.close()


async def test_a_failing_scheduled_job_is_timed_and_counted(tmp_path: Path) -> None:
    with ArxivServer() as server:
        server.add("/rss/cs.LG+cs.AI", Reply(500, "down"))
        config = make_config(tmp_path, arxiv={"rss_url": server.url + "/rss/{categories}", "min_interval_s": 0.0})
        source = ArxivSource(rss_url=config.arxiv.rss_url, api_url=server.api_url, min_interval_s=0, timeout_s=2,
                             max_retries=0)
        deps = make_deps(config, source=source, chats={"console": FakeChat()})
        f0 = value("paperbot_job_runs_total", job="daily", outcome="failed")
        n0 = value("paperbot_job_duration_seconds_count", job="daily")
        try:
            await daily_job(config.teams[0], deps=deps)  # logs the failure, never raises
        finally:
            deps.store.close()
    assert value("paperbot_job_runs_total", job="daily", outcome="failed") - f0 == 1
    assert value("paperbot_job_duration_seconds_count", job="daily") - n0 == 1
