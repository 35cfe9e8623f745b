"""Slash-command definitions generated from the registry, and their sync (only when they changed)."""

from __future__ import annotations

import pytest

from bot.config import Config
from bot.core.message import Message
from bot.platforms.discord import commands
from bot.platforms.discord.adapter import DiscordAdapter
from bot.platforms.discord.commands import HASH_KEY, definitions, text_from_options
from handlers.registry import REGISTRY, Registry
from tests.fakes.discord_api import APP_ID, GUILD_ID, FakeDiscord
from tests.platforms.discord.conftest import Service

SYNC = rf"^/applications/{APP_ID}/guilds/{GUILD_ID}/commands$"


def test_definitions_follow_the_registry(service: Service) -> None:
    defs = {d["name"]: d for d in definitions(service.commands)}
    assert set(defs) == {c.name for c in service.commands} >= {"papers", "criteria", "explain"}
    papers = {o["name"]: o for o in defs["papers"]["options"]}
    assert [c["value"] for c in papers["view"]["choices"]] == [s.name for s in REGISTRY.get("papers").subcommands]
    assert papers["args"]["type"] == 3 and papers["args"]["autocomplete"] is True
    assert papers["page"]["type"] == 4 and papers["page"]["min_value"] == 1
    assert papers["share"]["type"] == 5
    explain = defs["explain"]["options"]
    assert explain[0]["name"] == "args" and explain[0]["required"] is True  # required options come first
    criteria = {o["name"]: o for o in defs["criteria"]["options"]}
    assert "action" in criteria and criteria["args"]["autocomplete"] is False
    for d in defs.values():  # Discord's limits on names, descriptions and choices
        assert 1 <= len(d["description"]) <= 100
        for o in d["options"]:
            assert 1 <= len(o["description"]) <= 100 and len(o.get("choices", [])) <= 25
            assert all(1 <= len(c["name"]) <= 100 for c in o.get("choices", []))


def test_options_become_the_registry_text(service: Service) -> None:
    papers = REGISTRY.get("papers")
    assert text_from_options(papers, {"view": "search", "args": '"mixture of experts"', "page": 2, "share": True}) \
        == ('search "mixture of experts" --page 2 --share', True)
    assert text_from_options(papers, {}) == ("", False)


async def test_sync_skipped_when_unchanged_and_done_when_changed(config: Config, service: Service, fake: FakeDiscord,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    first = DiscordAdapter(config.discord, service, guild_ready_timeout=0.05)
    await first.start()
    await first.stop()
    (put,) = fake.find("PUT", SYNC)
    assert [c["name"] for c in put.json] == [c.name for c in service.commands] + ["Paper card"]
    assert put.json[-1] == {"name": "Paper card", "type": 3, "contexts": [0]}  # a message context menu
    assert await service.kv_get(HASH_KEY)

    again = DiscordAdapter(config.discord, service, guild_ready_timeout=0.05)  # a restart, same commands
    await again.start()
    await again.stop()
    assert len(fake.find("PUT", SYNC)) == 1

    ping = Registry().group("ping", help="Check the bot answers.", default="loud")  # a new command, declared

    @ping.sub("loud", help="x")
    async def loud(req: object, deps: object, args: object) -> Message:
        return Message.text("PONG")

    monkeypatch.setitem(REGISTRY.commands, "ping", ping)
    changed = DiscordAdapter(config.discord, service, guild_ready_timeout=0.05)
    await changed.start()
    await changed.stop()
    puts = fake.find("PUT", SYNC)
    assert len(puts) == 2 and "ping" in [c["name"] for c in puts[-1].json]

    # The context menus are part of the synced set: a new one re-syncs too.
    monkeypatch.setattr(commands, "MESSAGE_COMMANDS", (*commands.MESSAGE_COMMANDS,
                                                       {"name": "Explain paper", "type": 3, "contexts": [0]}))
    menu = DiscordAdapter(config.discord, service, guild_ready_timeout=0.05)
    await menu.start()
    await menu.stop()
    puts = fake.find("PUT", SYNC)
    assert len(puts) == 3 and [c["name"] for c in puts[-1].json][-2:] == ["Paper card", "Explain paper"]
