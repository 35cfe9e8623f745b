"""`paperbot doctor` on Discord: the token logs in, and the bot can see every configured channel with every
permission it needs there."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

from bot.platforms.discord.chat import login_rest
from bot.platforms.discord.permissions import invite_url, missing
from bot.ports import UpstreamError

if TYPE_CHECKING:
    from bot.config import Config, DiscordConfig


async def check_discord(config: DiscordConfig, full: Config) -> tuple[bool, str]:
    """`paperbot doctor`: the token works, the bot sees every configured channel with every permission it needs."""
    try:
        client = await login_rest(config)
    except UpstreamError as e:
        return False, e.detail
    notes = [f"logged in as {client.user} (application {client.application_id})"]
    ok = True
    try:
        if not config.guilds:
            notes.append("no [discord] guilds set: slash commands are not registered")
        channels = [c for t in full.teams for c in t.channels_on("discord")]
        if not channels:
            notes.append("no team has discord_channels: nothing will be posted")
        for cid in channels:
            good, text = await _channel_report(client, cid)
            ok &= good
            notes.append(text)
        if not ok and client.application_id:
            notes.append(f"invite URL with every permission: {invite_url(client.application_id)}")
    finally:
        await client.close()
    return ok, "; ".join(notes)


async def _channel_report(client: discord.Client, cid: str) -> tuple[bool, str]:
    """One channel: reachable, and which needed permissions the bot lacks there."""
    try:
        data = await client.http.get_channel(int(cid))
        guild = await client.fetch_guild(int(data["guild_id"]))
        channel = await guild.fetch_channel(int(cid))
        me = await guild.fetch_member(client.user.id)  # type: ignore[union-attr]
    except (discord.HTTPException, KeyError, ValueError) as e:
        return False, f"channel {cid}: the bot cannot see it ({e}); check the id and invite the bot to that server"
    lacks = missing(channel.permissions_for(me))
    where = f"channel {cid} (#{channel.name} in {guild.name})"
    if lacks:
        return False, f"{where}: missing {', '.join(lacks)}"
    return True, f"{where}: ok"
