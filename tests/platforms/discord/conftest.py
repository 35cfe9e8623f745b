"""Fixtures for the Discord adapter tests: the fake Discord, a real store and BotService, gateway payloads."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator, Callable
from datetime import date
from pathlib import Path
from typing import Any

import discord
import pytest
from discord.gateway import DiscordWebSocket

from bot.config import Config
from bot.core.models import Digest, Paper, Pick, Score
from bot.platforms.discord.adapter import DiscordAdapter
from handlers.service import BotService
from storage import digests
from storage import papers as paper_store
from tests.fakes.discord_api import APP_ID, BOT_ID, CHANNEL_ID, GUILD_ID, FakeDiscord, example
from tests.support import make_config, make_deps

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
TEAM = "foundations"
TODAY = date(2026, 1, 28)  # tests.support.FixedClock's day
USER_ID = "53908232506183680"  # "Mason", the member of the docs' slash-command interaction example
LEADS_ROLE = "785609923542777878"
MANAGE_GUILD = str(discord.Permissions(manage_guild=True).value)
_ids = itertools.count(1_400_000_000_000_000_000)


Service = BotService  # BotService includes on_reaction_clear (handlers/votes.clear_reactions)


def seed_papers(n: int | None = None) -> list[tuple[Paper, Score]]:
    """Real papers of the seed digests (tests/fixtures/seed_papers.jsonl) with their recorded scores."""
    out = []
    for line in (FIXTURES / "seed_papers.jsonl").read_text(encoding="utf-8").splitlines()[:n]:
        r = json.loads(line)
        p = Paper(r["arxiv_id"], r["title"], r.get("abstract", ""), tuple(r.get("authors", ())), categories=("cs.LG",))
        out.append((p, Score(p.arxiv_id, r.get("relevance"), r.get("novelty"), r.get("comment", ""),
                             scorer="llm:gpt-4o")))
    return out


def make_digest(rows: list[tuple[Paper, Score]], *, size: int = 10, day: date = TODAY) -> Digest:
    """A digest of `rows` for the test team."""
    return Digest(team=TEAM, day=day, scorer="llm:gpt-4o", listed=700, scanned=len(rows) + 50,
                  picks=tuple(Pick(p, s) for p, s in rows), digest_size=size)


async def store_digest(service: BotService, digest: Digest) -> None:
    """Save the digest's papers and picks as the daily run would."""
    await service.deps.store.call(paper_store.upsert_papers, [p.paper for p in digest.picks])
    await service.deps.store.call(digests.save_digest, digest)


async def until(check: Callable[[], Any], *, what: str, limit_s: float = 10.0) -> Any:
    """Wait for an asynchronous effect (a request reaching the fake, a vote stored); fail if it never comes."""
    loop = asyncio.get_running_loop()
    end = loop.time() + limit_s
    while True:
        got = check()
        if asyncio.iscoroutine(got):
            got = await got
        if got:
            return got
        if loop.time() > end:
            raise AssertionError(f"never happened: {what}")
        await asyncio.sleep(0.01)


def interaction(name: str, options: list[dict[str, Any]] | None = None, *, kind: int = 2,
                permissions: str = "0", roles: tuple[str, ...] = ()) -> dict[str, Any]:
    """An INTERACTION_CREATE payload: the docs' "Example Interaction" (a slash command by member Mason),
    re-targeted at our application/guild/channel. `channel`, `version`, `attachment_size_limit` and the
    member's `flags` are fields of the documented objects that this older example predates."""
    data = example("Example Interaction", source="application-commands", index=0)
    data.update(id=str(next(_ids)), token=f"tok-{next(_ids)}", application_id=APP_ID, guild_id=GUILD_ID,
                channel_id=CHANNEL_ID, version=1, attachment_size_limit=10_485_760, type=kind,
                app_permissions="309237763136",
                channel={"id": CHANNEL_ID, "type": 0, "guild_id": GUILD_ID, "name": "general"})
    data["member"].update(permissions=permissions, roles=list(roles), flags=0)
    data["data"] = {"id": "771825006014889984", "name": name, "type": 1, "options": options or []}
    return data


def component(message: dict[str, Any], custom_id: str, *, values: list[str] | None = None) -> dict[str, Any]:
    """A MESSAGE_COMPONENT interaction: a click on (or a pick in) a component of a message the bot sent."""
    data = interaction("", kind=3)
    data["message"] = message
    data["data"] = {"custom_id": custom_id, "component_type": 3 if values is not None else 2}
    if values is not None:
        data["data"]["values"] = values
    return data


def reaction_event(message_id: str, emoji: str, *, user: str = USER_ID, channel: str = CHANNEL_ID) -> dict[str, Any]:
    """MESSAGE_REACTION_ADD/REMOVE data. No recording of this dispatch exists (see fixtures/README): it is
    built from the documented field table (user_id, channel_id, message_id, guild_id, emoji, burst, type)."""
    return {"user_id": user, "channel_id": channel, "message_id": message_id, "guild_id": GUILD_ID,
            "emoji": {"id": None, "name": emoji}, "burst": False, "burst_colors": [], "type": 0,
            "message_author_id": BOT_ID}


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    """The fake Discord REST API + gateway on 127.0.0.1."""
    server = await FakeDiscord().start()
    yield server
    await server.stop()


def discord_config(tmp_path: Path, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch, **team: Any) -> Config:
    """The shipped config with Discord pointed at the fake, one guild, the team posting to CHANNEL_ID."""
    # The adapter sets these class attributes; monkeypatch puts the originals back after the test.
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", DiscordWebSocket.DEFAULT_GATEWAY)
    return make_config(tmp_path, env={"DISCORD_TOKEN": "test-token-not-a-secret"},
                       discord={"api_url": fake.api_url, "guilds": [GUILD_ID]},
                       team={"discord_channels": [CHANNEL_ID], **team})


@pytest.fixture
def config(tmp_path: Path, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch) -> Config:
    """discord_config() with the shipped team (no editors list: everyone may edit)."""
    return discord_config(tmp_path, fake, monkeypatch)


@pytest.fixture
async def service(config: Config) -> AsyncIterator[Service]:
    """BotService on a real SQLite store."""
    deps = make_deps(config)
    yield Service(deps)
    deps.store.close()


@pytest.fixture
async def adapter(config: Config, service: Service) -> AsyncIterator[DiscordAdapter]:
    """The Discord adapter started against the fake (gateway connected, ready)."""
    a = DiscordAdapter(config.discord, service, guild_ready_timeout=0.05)
    await a.start()
    yield a
    await a.stop()
