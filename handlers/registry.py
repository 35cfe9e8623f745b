"""Commands declared once, on their function, and dispatch() holding the ONE error policy.

    @command("explain", args="<arxiv id or URL> [question]", help="…")   # a command
    papers = group("papers", help="…", default="today")                  # a command with subcommands
    @papers.sub("top", args="[week|month|all]", help="…")                # one of them
    @criteria.sub("add", args="…", help="…", who=EDITORS)                 # only editors may run it

Usage lines, /help, the Slack manifest, the Discord command options and the README's command table all
come from these declarations. Declaring a name twice raises RegistrationError.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from bot import metrics
from bot.core.message import Block, Bullets, Header, Message, Paragraph, Span
from bot.core.models import Request
from bot.ports import NotConfigured, UpstreamError
from handlers.arguments import Args, PermissionDenied, UserError, parse_args, tokenize

if TYPE_CHECKING:
    from handlers.deps import Deps

__all__ = ["REGISTRY", "Args", "CommandSpec", "Permission", "PermissionDenied", "RegistrationError", "Registry",
           "Sub", "UserError", "command", "dispatch", "group", "guarded", "help_message", "pop_share", "split_command",
           "split_share", "tokenize"]

log = logging.getLogger("paperbot.commands")

Handler = Callable[[Request, "Deps"], Awaitable[Message]]
SubHandler = Callable[[Request, "Deps", Args], Awaitable[Message]]


class RegistrationError(Exception):
    """A command or subcommand name is declared twice, or could not be typed."""


def _check_name(name: str, what: str) -> str:
    if not name or name != name.lower() or name.split() != [name] or name.startswith("/"):
        raise RegistrationError(f"{what} name {name!r} must be one lower-case word without a slash")
    return name


@dataclass(frozen=True, slots=True)
class Permission:
    """Who may run a subcommand: `label` goes into its help, `check` raises PermissionDenied for anyone else."""

    label: str
    check: Callable[[Request, Deps], None]


@dataclass(frozen=True, slots=True)
class Sub:
    """A subcommand, as declared on its function."""

    name: str
    usage: str
    about: str
    fn: SubHandler
    who: Permission | None = None
    free_text: bool = False  # its words are the user's: only "--share" shares, a last "share" is a word

    @property
    def help(self) -> str:
        """Its one-line help, saying who may run it."""
        return f"{self.about} ({self.who.label})" if self.who else self.about


class CommandSpec:
    """A registered command: a plain one (`fn`) or a group whose subcommands are declared with `.sub`."""

    def __init__(self, name: str, *, help: str, args: str = "", fn: Handler | None = None, slow: bool = False,
                 slash: bool = True, free_text: bool = False, default_sub: str = "",
                 prepare: Callable[[str], str] | None = None) -> None:
        self.name = _check_name(name, "command")
        self.help, self.args, self.fn, self.slow, self.slash = help, args, fn, slow, slash
        self.free_text = free_text  # (plain commands) the words are the user's: see Sub.free_text
        self.default_sub = default_sub
        self.prepare = prepare  # (groups) rewrites the text before the subcommand is read
        self._subs: dict[str, Sub] = {}

    @property
    def usage(self) -> str:
        """'/papers [today|week|…] …' for a group, '/explain <arxiv id or URL> [question]' for a command."""
        if self.fn is None:
            return f"/{self.name} [{'|'.join(s.name for s in self.subcommands)}] …"
        return f"/{self.name} {self.args}".rstrip()

    @property
    def subcommands(self) -> tuple[Sub, ...]:
        """The declared subcommands in declaration order, then `help` (every group has it)."""
        if self.fn is not None:
            return ()
        return (*self._subs.values(), Sub("help", f"/{self.name} help", "this list", self._help))

    def sub(self, name: str, *, help: str, args: str = "", who: Permission | None = None,
            free_text: bool = False) -> Callable[[SubHandler], SubHandler]:
        """Declare `async def f(req, deps, args) -> Message` as the subcommand `name` of this group."""

        def deco(fn: SubHandler) -> SubHandler:
            if self.fn is not None:
                raise RegistrationError(f"/{self.name} is a plain command: it has no subcommands")
            if name in self._subs or name == "help":
                raise RegistrationError(f"/{self.name} {name} is declared twice")
            usage = f"/{self.name} {_check_name(name, 'subcommand')} {args}".rstrip()
            self._subs[name] = Sub(name, usage, help, fn, who, free_text)
            return fn

        return deco

    def words_are_users(self, text: str) -> bool:
        """Whether the (sub)command `text` runs takes the user's own words (see Sub.free_text)."""
        if self.fn is not None:
            return self.free_text
        first = text.split(maxsplit=1)[0].lower() if text.split() else ""
        return first in self._subs and self._subs[first].free_text

    async def run(self, req: Request, deps: Deps) -> Message:
        """Run the command, or the subcommand its text names after checking who may run it."""
        if self.fn is not None:
            return await self.fn(req, deps)
        text = self.prepare(req.text) if self.prepare else req.text
        subs = {s.name: s for s in self.subcommands}
        args = parse_args(text, command=self.name, subs=list(subs), default=self.default_sub)
        sub = subs[args.sub]
        try:
            if sub.who is not None:
                sub.who.check(req, deps)
            return await sub.fn(req, deps, args)
        except UserError as e:
            if e.usage is None:
                e.usage = sub.usage
            raise

    async def _help(self, req: Request, deps: Deps, args: Args) -> Message:
        return _help_of([self])


@dataclass
class Registry:
    """Commands by name; one global instance, `REGISTRY`, filled by the @command and group declarations."""

    commands: dict[str, CommandSpec] = field(default_factory=dict)

    def add(self, spec: CommandSpec) -> CommandSpec:
        """Register a command; RegistrationError when its name is taken."""
        if spec.name in self.commands:
            raise RegistrationError(f"/{spec.name} is declared twice")
        self.commands[spec.name] = spec
        return spec

    def command(self, name: str, *, help: str, args: str = "", slow: bool = False, slash: bool = True,
                free_text: bool = False) -> Callable[[Handler], Handler]:
        """Declare `async def f(req, deps) -> Message` as the command `name`."""

        def deco(fn: Handler) -> Handler:
            self.add(CommandSpec(name, help=help, args=args, fn=fn, slow=slow, slash=slash, free_text=free_text))
            return fn

        return deco

    def group(self, name: str, *, help: str, default: str, slow: bool = False, slash: bool = True,
              prepare: Callable[[str], str] | None = None) -> CommandSpec:
        """Declare a command made of subcommands (`@group.sub(…)`); a bare command runs `default`."""
        return self.add(CommandSpec(name, help=help, slow=slow, slash=slash, default_sub=default, prepare=prepare))

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
command = REGISTRY.command
group = REGISTRY.group


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
    """The command text without its share word, and whether the reply goes to the channel."""
    return pop_share(text, bare=not spec.words_are_users(text))


async def dispatch(req: Request, deps: Deps) -> Message:
    """Run a command and apply the one error policy; never raises."""
    spec = REGISTRY.get(req.command)
    if spec is None:
        names = ", ".join(f"/{c.name}" for c in REGISTRY.all())
        return Message.text(f"Unknown command /{req.command}. Try one of: {names}.")
    text, share = split_share(spec, req.text)
    msg = await guarded(spec.name, spec.run(replace(req, text=text), deps), text=req.text, usage=spec.usage)
    return replace(msg, ephemeral=False) if share else msg


async def guarded(name: str, work: Awaitable[Message], *, text: str = "", usage: str = "") -> Message:
    """Await a handler's reply under the one error policy (commands, mentions, link cards); never raises."""
    try:
        return await work
    except UserError as e:
        metrics.record_command_error(name, "permission" if isinstance(e, PermissionDenied) else "user")
        usage = e.usage or usage
        return Message.text(f"{e}\nUsage: {usage}" if usage else str(e))
    except UpstreamError as e:
        log.warning("upstream failure in /%s: %s", name, e)
        metrics.record_command_error(name, "upstream")
        return Message.text(f"{e.service} is not answering right now ({e.detail or 'no answer'}). "
                            "Please try again in a minute.")
    except NotConfigured as e:
        metrics.record_command_error(name, "not_configured")
        return Message.text(str(e))
    except Exception:
        err_id = secrets.token_hex(4)
        metrics.record_command_error(name, "internal")
        log.exception("command /%s failed [error id %s] text=%r", name, err_id, text[:200])
        return Message.text(f"Sorry, something went wrong (error id {err_id}). "
                            "An admin can find the details in the bot's log.")


def help_message(name: str | None = None) -> Message:
    """Help generated from the registry: all commands, or one command's subcommands."""
    specs = REGISTRY.all() if name is None else [s for s in [REGISTRY.get(name)] if s]
    if not specs:
        return Message.text(f"No command called {name}.")
    return _help_of(specs)


def _help_of(specs: Iterable[CommandSpec]) -> Message:
    blocks: list[Block] = []
    for s in specs:
        blocks.append(Header(f"/{s.name}"))
        blocks.append(Paragraph.of(s.help))
        if s.subcommands:
            blocks.append(Bullets(tuple((Span(sub.usage, code=True), f" — {sub.help}") for sub in s.subcommands)))
        else:
            blocks.append(Paragraph.of(Span(s.usage, code=True)))
    return Message(blocks=tuple(blocks), fallback="paperbot help")
