"""`paperbot doctor`: checks config, tokens and reachability, and says what to fix."""

from __future__ import annotations

import asyncio
import sys
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable

from bot.config import Config


def _line(ok: bool | None, what: str, detail: str = "") -> None:
    mark = {True: "ok  ", False: "FAIL", None: "skip"}[ok]
    print(f"[{mark}] {what}" + (f" — {detail}" if detail else ""))


def _reach(url: str, timeout: float = 10.0) -> tuple[bool, str]:
    try:
        req = urllib.request.Request(url, method="GET", headers={"User-Agent": "paperbot-doctor"})
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return True, f"HTTP {r.status}"
    except urllib.error.HTTPError as e:
        return e.code < 500, f"HTTP {e.code}"
    except (urllib.error.URLError, TimeoutError, OSError) as e:
        return False, str(getattr(e, "reason", e))


async def run_checks(config: Config) -> bool:
    """Print one line per check; True when nothing failed."""
    ok = True
    _line(True, f"config {config.source}", f"{len(config.teams)} team(s): {', '.join(t.name for t in config.teams)}")
    try:
        from storage.db import Store

        s = Store.open(config.storage.path)
        s.close()
        _line(True, f"database {config.storage.path}")
    except Exception as e:
        ok = False
        _line(False, f"database {config.storage.path}", str(e))
    cats = "+".join(config.arxiv.categories)
    good, detail = await asyncio.to_thread(_reach, config.arxiv.rss_url.format(categories=cats))
    ok &= good
    _line(good, "arXiv RSS feed", detail)
    if config.llm.enabled:
        base = (config.llm.base_url or "https://api.openai.com/v1").rstrip("/")
        good, detail = await asyncio.to_thread(_reach, base + "/models")
        _line(good, f"LLM {config.llm.model} at {base}", detail + ("" if config.llm.api_key else " (no API key set)"))
        ok &= good
    else:
        _line(None, "LLM", "no OPENAI_API_KEY / base_url: the local ranker scores papers")
    ok &= await _platform(config.slack.enabled, "Slack", "SLACK_BOT_TOKEN not set",
                          lambda: _check_slack(config))
    ok &= await _platform(config.discord.enabled, "Discord", "DISCORD_TOKEN not set",
                          lambda: _check_discord(config))
    print("all good" if ok else "some checks failed", file=sys.stderr)
    return ok


async def _platform(enabled: bool, name: str, unset: str, check: Callable[[], Awaitable[tuple[bool, str]]]) -> bool:
    """One platform's line: skipped when not configured, failed (never raised) when its check breaks."""
    if not enabled:
        _line(None, name, unset)
        return True
    try:
        good, detail = await check()
    except Exception as e:
        good, detail = False, str(e)
    _line(good, name, detail)
    return good


async def _check_slack(config: Config) -> tuple[bool, str]:
    from bot.platforms.slack.chat import check_slack  # imported only when Slack is configured

    return await check_slack(config.slack)


async def _check_discord(config: Config) -> tuple[bool, str]:
    from bot.platforms.discord.checks import check_discord  # imported only when Discord is configured

    return await check_discord(config.discord, config)
