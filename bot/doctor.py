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


def _llm_key(base: str, key: str, timeout: float = 10.0) -> tuple[bool, str]:
    """GET {base}/models WITH the key: 401/403 is a rejected key; a server without /models (404) is let pass."""
    headers = {"User-Agent": "paperbot-doctor"} | ({"Authorization": f"Bearer {key}"} if key else {})
    try:
        with urllib.request.urlopen(urllib.request.Request(base + "/models", headers=headers), timeout=timeout) as r:
            return True, f"key accepted (HTTP {r.status} from /models)" if key else f"HTTP {r.status}, no key needed"
    except urllib.error.HTTPError as e:
        if e.code in (401, 403):
            what = "OPENAI_API_KEY was rejected" if key else "the server needs a key: set OPENAI_API_KEY"
            return False, f"{what} (HTTP {e.code})"
        if e.code == 404:
            return True, "reachable; it has no /models, so the key was not checked (HTTP 404)"
        return False, f"HTTP {e.code} from /models"
    except (urllib.error.URLError, TimeoutError, OSError) as e:
        return False, f"not reachable: {getattr(e, 'reason', e)}"


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
        good, detail = await asyncio.to_thread(_llm_key, base, config.llm.api_key)
        _line(good, f"LLM {config.llm.model} at {base}", detail)
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
