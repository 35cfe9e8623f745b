"""/help [command]: every command and subcommand, generated from the registry."""

from __future__ import annotations

from bot.core.message import Message
from bot.core.models import Request
from handlers.deps import Deps
from handlers.registry import command, help_message


@command("help", args="[command]", help="Every command and subcommand, or one command's in detail.",
         slash=False)  # a workspace-wide /help would clash with other apps: /papers help and /criteria help exist
async def help_command(req: Request, deps: Deps) -> Message:
    """List every command, or the subcommands of the one named."""
    name = req.text.strip().lstrip("/").split(maxsplit=1)[0].lower() if req.text.strip() else None
    return help_message(name)
