"""The Discord permissions the bot needs, the invite URL, and readable names for what is missing."""

from __future__ import annotations

import discord

# discord.Permissions flag -> the name a server admin sees in Discord's settings.
NEEDED: dict[str, str] = {
    "view_channel": "View Channel",
    "send_messages": "Send Messages",
    "embed_links": "Embed Links",
    "attach_files": "Attach Files",
    "read_message_history": "Read Message History",  # Discord requires it to add reactions
    "add_reactions": "Add Reactions",
    "create_public_threads": "Create Public Threads",
    "send_messages_in_threads": "Send Messages in Threads",
}
SCOPES = ("bot", "applications.commands")


def required_permissions() -> discord.Permissions:
    """Every permission the bot uses, as one discord.Permissions value."""
    return discord.Permissions(**dict.fromkeys(NEEDED, True))


def invite_url(application_id: int | str) -> str:
    """The OAuth2 URL that adds the bot with its permissions and slash commands to a server."""
    return discord.utils.oauth_url(int(application_id), permissions=required_permissions(), scopes=SCOPES)


def missing(perms: discord.Permissions) -> list[str]:
    """Readable names of the needed permissions that `perms` lacks."""
    return [label for flag, label in NEEDED.items() if not getattr(perms, flag)]
