"""Setting the bot up: the permissions integer and invite URL, `doctor`, start/stop in the bot's loop."""

from __future__ import annotations

import asyncio
from pathlib import Path

import discord
import pytest

from bot.config import Config, DiscordConfig
from bot.platforms.discord.adapter import DiscordAdapter
from bot.platforms.discord.chat import open_discord_chat
from bot.platforms.discord.checks import check_discord
from bot.platforms.discord.permissions import invite_url, required_permissions
from bot.ports import UpstreamError
from tests.fakes.discord_api import APP_ID, CHANNEL_ID, GUILD_ID, FakeDiscord, Reply
from tests.platforms.discord.conftest import Service

README = Path(__file__).resolve().parents[3] / "README.md"


def test_permissions_integer_and_invite_url() -> None:
    perms = required_permissions()
    print(f"\nDiscord permissions integer: {perms.value}\ninvite: {invite_url(APP_ID)}")
    assert perms.value == 309237763136
    assert perms.send_messages and perms.send_messages_in_threads and perms.create_public_threads
    assert perms.embed_links and perms.attach_files and perms.add_reactions and perms.read_message_history
    assert not (perms.administrator or perms.manage_messages or perms.mention_everyone)
    assert invite_url(APP_ID) == (f"https://discord.com/oauth2/authorize?client_id={APP_ID}"
                                  "&scope=bot+applications.commands&permissions=309237763136")


def test_readme_gives_the_same_integer() -> None:
    text = README.read_text(encoding="utf-8")
    section = text.split("<!-- section:discord -->")[1].split("<!-- /section:discord -->")[0]
    assert str(required_permissions().value) in section
    assert "applications.commands" in section and "DISCORD_TOKEN" in section


async def test_doctor_reports_ok(config: Config, fake: FakeDiscord) -> None:
    ok, detail = await check_discord(config.discord, config)
    assert ok, detail
    assert f"channel {CHANNEL_ID} (#general in Paper Club): ok" in detail


async def test_doctor_names_missing_permissions_per_channel(config: Config, fake: FakeDiscord) -> None:
    everyone = fake.guild["roles"][0]
    lacking = discord.Permissions(int(everyone["permissions"]))
    lacking.update(add_reactions=False, create_public_threads=False)
    everyone["permissions"] = str(lacking.value)

    ok, detail = await check_discord(config.discord, config)
    assert not ok
    assert f"channel {CHANNEL_ID} (#general in Paper Club): missing Add Reactions, Create Public Threads" in detail
    assert "permissions=309237763136" in detail  # how to fix it


async def test_doctor_and_chat_explain_a_bad_token(config: Config, fake: FakeDiscord) -> None:
    fake.fail("GET", "^/users/@me$", Reply(401, {"message": "401: Unauthorized", "code": 0}), forever=True)
    ok, detail = await check_discord(config.discord, config)
    assert not ok and "DISCORD_TOKEN was rejected" in detail
    with pytest.raises(UpstreamError, match="DISCORD_TOKEN was rejected"):
        await open_discord_chat(config.discord)


async def test_start_returns_when_ready_and_stop_closes(config: Config, service: Service, fake: FakeDiscord) -> None:
    adapter = DiscordAdapter(config.discord, service, guild_ready_timeout=0.05)
    await adapter.start()
    assert adapter.client.is_ready() and fake.identified.is_set()
    assert adapter.client.get_guild(int(GUILD_ID)) is not None
    assert str(adapter.client.user.id) in service._bot_users  # its own reactions will be ignored
    gateway = adapter._task
    assert gateway is not None and gateway.get_loop() is asyncio.get_running_loop()  # the caller's loop

    await adapter.stop()
    assert adapter.client.is_closed() and gateway.done()
    await adapter.stop()  # twice is harmless (Ctrl-C during shutdown)


async def test_start_fails_clearly_on_a_bad_token(tmp_path: Path, service: Service, fake: FakeDiscord) -> None:
    fake.fail("GET", "^/users/@me$", Reply(401, {"message": "401: Unauthorized", "code": 0}), forever=True)
    adapter = DiscordAdapter(DiscordConfig(api_url=fake.api_url, guilds=(GUILD_ID,), token="bad"), service)
    with pytest.raises(UpstreamError, match="DISCORD_TOKEN was rejected"):
        await adapter.start()
    await adapter.stop()
