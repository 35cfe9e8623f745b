"""Slash-command definitions generated from the shared registry, their sync, and options -> command text.

Definitions are plain Discord JSON (not discord.app_commands.Command objects): they are generated from
BotService.commands at start, so a typed callback per command would have to be faked; JSON keeps the
generated shape visible, hashable and testable. Every command gets the same typed options:
`<sub>` (choices = the registry's subcommands), `args` (str, autocompleted with papers where the usage
takes an arXiv id), `page` (int, where the help mentions pages) and `share` (bool).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import discord

from bot.platforms.discord.markdown import clip
from bot.platforms.discord.permissions import invite_url

if TYPE_CHECKING:
    from handlers.registry import CommandSpec
    from handlers.service import BotService

log = logging.getLogger("paperbot.discord")

HASH_KEY = "discord.commands_hash"
STRING, INTEGER, BOOLEAN, ATTACHMENT = 3, 4, 5, 11
FILE_OPTION = "file"  # the attachment option of a command whose usage takes a <file…> (/papers import)
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
SUB_OPTION_NAMES = {"papers": "view"}  # what the subcommand option is called; "action" elsewhere
_TAKES_ID = re.compile(r"<arxiv|\bid\b", re.IGNORECASE)  # "<arxiv id>", not a "[--arxiv]" flag
_TAKES_FILE = re.compile(r"<file\b", re.IGNORECASE)
_NAME_OK = re.compile(r"^[-_a-z0-9]{1,32}$")
PAPER_CARD = "Paper card"
MESSAGE_COMMAND = 3  # an application command type: "Apps → Paper card" on a message (a context menu)
# Context-menu commands are part of the synced set (and of its hash): adding one re-syncs.
MESSAGE_COMMANDS: tuple[dict[str, Any], ...] = ({"name": PAPER_CARD, "type": MESSAGE_COMMAND, "contexts": [0]},)


def sub_option(spec: CommandSpec) -> str:
    """The name of a command's subcommand option."""
    return SUB_OPTION_NAMES.get(spec.name, "action")


def takes_id(usage: str) -> bool:
    """Whether a usage line takes an arXiv id (so autocompleting papers helps)."""
    return bool(_TAKES_ID.search(usage))


def _args_help(spec: CommandSpec) -> str:
    if spec.subcommands:
        tails = dict.fromkeys(u for s in spec.subcommands if (u := _tail(s.usage, spec.name, s.name)))
        return "what follows the subcommand, e.g. " + "; ".join(tails)
    return _tail(spec.usage, spec.name, "") or spec.help


def _summary(text: str) -> str:
    """The first sentence or clause of a help text, for Discord's 100-char descriptions."""
    return clip(re.split(r"[.:;]\s", text.strip(), maxsplit=1)[0], 100)


def _tail(usage: str, name: str, sub: str) -> str:
    words = usage.split()
    while words and words[0].lstrip("/").lower() in {name, sub}:
        words = words[1:]
    return " ".join(words)


def definition(spec: CommandSpec) -> dict[str, Any]:
    """One CHAT_INPUT command as Discord JSON (required options first, as Discord demands)."""
    options: list[dict[str, Any]] = []
    usages = " ".join([spec.usage, *(s.usage for s in spec.subcommands)])
    if spec.subcommands:
        options.append({
            "type": STRING, "name": sub_option(spec), "description": "what to do (default: "
            + (spec.default_sub or spec.subcommands[0].name) + ")",
            "required": False,
            "choices": [{"name": clip(f"{s.name} — {s.help}", 100), "value": s.name} for s in spec.subcommands[:25]],
        })
    args_required = not spec.subcommands and "<" in spec.usage
    options.append({"type": STRING, "name": "args", "description": clip(_args_help(spec) or "arguments", 100),
                    "required": args_required, "autocomplete": takes_id(usages)})
    if "page" in f"{spec.help} {usages}".lower():  # the registry's lists take "--page N"
        options.append({"type": INTEGER, "name": "page", "description": "page of a long answer", "required": False,
                        "min_value": 1})
    if _TAKES_FILE.search(usages):
        options.append({"type": ATTACHMENT, "name": FILE_OPTION, "required": False,
                        "description": "a file for the subcommands that read one (import: .bib, .ris, Zotero .csv)"})
    options.append({"type": BOOLEAN, "name": "share", "description": "post the answer in the channel for everyone",
                    "required": False})
    options.sort(key=lambda o: not o["required"])
    return {"name": spec.name, "type": 1, "description": _summary(spec.help) or spec.name, "options": options,
            "contexts": [0]}  # guild channels only: teams are mapped from channel ids


def definitions(specs: Sequence[CommandSpec]) -> list[dict[str, Any]]:
    """Every registry command that Discord accepts as a slash command."""
    out = []
    for spec in specs:
        if not _NAME_OK.match(spec.name):
            log.warning("command /%s is not a valid Discord command name: not registered", spec.name)
            continue
        out.append(definition(spec))
    return out[:100]


def definitions_hash(defs: list[dict[str, Any]], *, application_id: int, guilds: Sequence[str]) -> str:
    """A stable hash of what would be synced where."""
    blob = json.dumps({"app": str(application_id), "guilds": sorted(guilds), "commands": defs}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


async def sync_commands(client: discord.Client, service: BotService, *, guilds: Sequence[str]) -> str:
    """PUT the generated commands to each configured guild, only when they changed; returns what happened."""
    if not guilds:
        log.warning("Discord: no [discord] guilds in config.toml, so /papers, /criteria, … are not registered")
        return "no guilds"
    app_id = client.application_id
    if app_id is None:
        return "no application id"
    defs = definitions(service.commands) + [dict(c) for c in MESSAGE_COMMANDS]
    digest = definitions_hash(defs, application_id=app_id, guilds=guilds)
    if await service.kv_get(HASH_KEY) == digest:
        log.info("Discord: slash commands unchanged; not syncing")
        return "unchanged"
    for gid in guilds:
        try:
            await client.http.bulk_upsert_guild_commands(app_id, int(gid), defs)
        except discord.Forbidden as e:
            log.error("Discord: cannot register slash commands in guild %s (%s). Invite the bot with the "
                      "applications.commands scope: %s", gid, e.text, invite_url(app_id))
            return "forbidden"
        except discord.HTTPException as e:
            log.error("Discord: syncing slash commands to guild %s failed: HTTP %s %s", gid, e.status, e.text)
            return "failed"
    await service.kv_set(HASH_KEY, digest)
    log.info("Discord: synced %d commands (slash and context menu) to %d guild(s)", len(defs), len(guilds))
    return "synced"


def options_of(data: dict[str, Any]) -> dict[str, Any]:
    """An interaction's top-level options as {name: value}."""
    return {o["name"]: o.get("value") for o in data.get("options") or [] if "name" in o}


def text_from_options(spec: CommandSpec, options: dict[str, Any]) -> tuple[str, bool]:
    """The command text the registry parses ("week --page 2 --share") and whether it is shared."""
    words = []
    sub = options.get(sub_option(spec))
    if sub:
        words.append(str(sub))
    if options.get("args"):
        words.append(str(options["args"]).strip())
    if options.get("page"):
        words.append(f"--page {int(options['page'])}")
    share = bool(options.get("share"))
    if share:  # "--share", not "share": free-text commands (/explain, /papers search) keep a bare last word
        words.append("--share")
    return " ".join(w for w in words if w), share


def focused(data: dict[str, Any]) -> tuple[str, str] | None:
    """(option name, typed text) of the option being autocompleted."""
    for o in data.get("options") or []:
        if o.get("focused"):
            return o["name"], str(o.get("value") or "")
    return None


def wants_papers(spec: CommandSpec, options: dict[str, Any]) -> bool:
    """Whether autocompleting `args` with papers helps for the chosen subcommand."""
    sub = options.get(sub_option(spec))
    chosen = next((s for s in spec.subcommands if s.name == sub), None)
    return takes_id(chosen.usage) if chosen else takes_id(" ".join([spec.usage, *(s.usage for s in spec.subcommands)]))
