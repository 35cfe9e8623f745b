"""@command registry, the one argument tokenizer, and dispatch() holding the ONE error policy."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from bot import metrics
from bot.core.message import Block, Bullets, Header, Message, Paragraph, Span
from bot.core.models import Request
from bot.ports import NotConfigured, UpstreamError

if TYPE_CHECKING:
    from handlers.deps import Deps

log = logging.getLogger("paperbot.commands")

Handler = Callable[[Request, "Deps"], Awaitable[Message]]


class UserError(Exception):
    """Something the user can fix; the text is shown to them with the command's usage."""

    def __init__(self, message: str, *, usage: str | None = None) -> None:
        super().__init__(message)
        self.usage = usage


class PermissionDenied(UserError):
    """The user may not do this (e.g. change criteria without being an editor)."""


@dataclass(frozen=True, slots=True)
class Sub:
    """A subcommand: its name, usage line and one-line help."""

    name: str
    usage: str
    help: str


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """A registered command."""

    name: str
    help: str
    usage: str
    slow: bool
    fn: Handler
    subcommands: tuple[Sub, ...] = ()
    default_sub: str = ""
    slash: bool = True  # registered as a Slack/Discord slash command (False: console and `ask` only)
    free_text: tuple[str, ...] = ()  # subcommands ("*" = all) whose words are the user's: only --share shares


@dataclass
class Registry:
    """Commands by name; one global instance, `REGISTRY`, filled by the @command decorator."""

    commands: dict[str, CommandSpec] = field(default_factory=dict)

    def get(self, name: str) -> CommandSpec | None:
        """The command called `name` (leading slash ignored)."""
        return self.commands.get(name.lstrip("/").lower())

    def all(self) -> list[CommandSpec]:
        """Every command, in registration order."""
        return list(self.commands.values())

    def slash_commands(self) -> list[CommandSpec]:
        """The commands platforms register as slash commands."""
        return [c for c in self.commands.values() if c.slash]


REGISTRY = Registry()


def command(
    name: str, *, help: str, usage: str, slow: bool = False, subcommands: tuple[Sub, ...] = (), default_sub: str = "",
    slash: bool = True, free_text: tuple[str, ...] = (),
) -> Callable[[Handler], Handler]:
    """Register `async def f(req, deps) -> Message` as the command `name`."""

    def deco(fn: Handler) -> Handler:
        REGISTRY.commands[name] = CommandSpec(name, help, usage, slow, fn, subcommands, default_sub, slash,
                                              free_text)
        return fn

    return deco


def tokenize(text: str) -> list[str]:
    """Split on whitespace keeping "quoted phrases" together; an unmatched quote never fails."""
    out: list[str] = []
    buf: list[str] = []
    quoted = False
    for ch in text.strip():
        if ch in "\"“”":
            quoted = not quoted
            buf.append('"')
        elif ch.isspace() and not quoted:
            if buf:
                out.append("".join(buf))
                buf = []
        else:
            buf.append(ch)
    if buf:
        out.append("".join(buf))
    return out


def split_command(line: str) -> tuple[str, str]:
    """'/papers week share' -> ('papers', 'week share'); a line without a slash is taken as is."""
    line = line.strip()
    head, _, rest = line.partition(" ")
    return head.lstrip("/").lower(), rest.strip()


def pop_share(text: str, *, bare: bool = True) -> tuple[str, bool]:
    """Strip a trailing 'share' (or '--share') word: the user asks for a reply the channel sees.

    With bare=False only '--share' counts, so "/papers search market share" keeps its last word.
    """
    words = text.split()
    if words and (words[-1].lower() == "--share" or (bare and words[-1].lower() == "share")):
        return " ".join(words[:-1]), True
    return text, False


def split_share(spec: CommandSpec, text: str) -> tuple[str, bool]:
    """The command text without its share word, and whether the reply goes to the channel.

    A bare last "share" only counts where the words are not the user's (see CommandSpec.free_text).
    """
    sub = text.split(maxsplit=1)[0].lower() if text.split() else ""
    return pop_share(text, bare="*" not in spec.free_text and sub not in spec.free_text)


async def dispatch(req: Request, deps: Deps) -> Message:
    """Run a command and apply the one error policy; never raises."""
    spec = REGISTRY.get(req.command)
    if spec is None:
        names = ", ".join(f"/{c.name}" for c in REGISTRY.all())
        return Message.text(f"Unknown command /{req.command}. Try one of: {names}.")
    text, share = split_share(spec, req.text)
    try:
        msg = await spec.fn(replace(req, text=text), deps)
    except UserError as e:
        metrics.record_command_error(spec.name, "permission" if isinstance(e, PermissionDenied) else "user")
        usage = e.usage or spec.usage
        return Message.text(f"{e}\nUsage: {usage}" if usage else str(e))
    except UpstreamError as e:
        log.warning("upstream failure in /%s: %s", spec.name, e)
        metrics.record_command_error(spec.name, "upstream")
        return Message.text(f"{e.service} is not answering right now ({e.detail or 'no answer'}). "
                            "Please try again in a minute.")
    except NotConfigured as e:
        metrics.record_command_error(spec.name, "not_configured")
        return Message.text(str(e))
    except Exception:
        err_id = secrets.token_hex(4)
        metrics.record_command_error(spec.name, "internal")
        log.exception("command /%s failed [error id %s] text=%r", spec.name, err_id, req.text[:200])
        return Message.text(f"Sorry, something went wrong (error id {err_id}). "
                            "An admin can find the details in the bot's log.")
    return replace(msg, ephemeral=False) if share else msg


def help_message(name: str | None = None) -> Message:
    """Help generated from the registry: all commands, or one command's subcommands."""
    specs = REGISTRY.all() if name is None else [s for s in [REGISTRY.get(name)] if s]
    if not specs:
        return Message.text(f"No command called {name}.")
    blocks: list[Block] = []
    for s in specs:
        blocks.append(Header(f"/{s.name}"))
        blocks.append(Paragraph.of(s.help))
        if s.subcommands:
            blocks.append(Bullets(tuple((Span(sub.usage, code=True), f" — {sub.help}") for sub in s.subcommands)))
        else:
            blocks.append(Paragraph.of(Span(s.usage, code=True)))
    return Message(blocks=tuple(blocks), fallback="paperbot help")
