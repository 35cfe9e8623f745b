"""The console platform: posts print to the terminal, commands typed at a prompt run the shared handlers."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import sys
import threading
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TextIO

from bot.core.message import Attachment, Message
from bot.core.models import ReactionEvent, Request, Upload
from bot.core.render_text import render
from bot.platforms.registry import ChatPlatform
from bot.ports import PostMark
from handlers.service import BotService


class ConsoleChat:
    """A Chat that prints; message ids are sequential numbers."""

    platform = "console"

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stdout
        self._ids = itertools.count(1)

    async def post(self, channel: str, message: Message, *, mark: PostMark | None = None,
                   have: Sequence[str] = ()) -> list[str]:
        """Print a channel post."""
        if have:
            return list(have)
        mid = str(next(self._ids))
        self._print(f"#{channel} [message {mid}]", message)
        return [mid]

    async def reply(self, channel: str, parent_id: str, message: Message, *, thread_name: str = "",
                    mark: PostMark | None = None, have: Sequence[str] = ()) -> list[str]:
        """Print a thread reply."""
        if have:
            return list(have)
        mid = str(next(self._ids))
        self._print(f"#{channel} ↳ thread of {parent_id} [message {mid}]", message)
        return [mid]

    async def find(self, channel: str, mark: PostMark, *, parent_id: str | None = None,
                   since: datetime | None = None) -> list[str]:
        """A terminal keeps no history to search: a post cut off by a crash is printed again."""
        return []

    def _print(self, where: str, message: Message) -> None:
        body = render(message, fmt="text")
        self.out.write(f"\n── {where} " + "─" * max(0, 60 - len(where)) + f"\n{body}\n")
        self.out.flush()


def console_platform(out: TextIO | None = None) -> ChatPlatform:
    """The console as a Platform: the local stand-in used when no other platform is configured."""
    return ChatPlatform("console", ConsoleChat(out))


MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # a reading list of ~50k entries; more is not a reading list


def write_attachment(file: Attachment, where: str | Path | None = None) -> Path:
    """Write a reply's file: to `where` when it names a file, else under its own name in `where` (a directory,
    default the current one) without replacing an existing file (name-1.bib, name-2.bib, …)."""
    target = Path(where) if where is not None else Path(".")
    if not target.is_dir():
        target.write_bytes(file.data)
        return target
    stem, suffix = Path(file.filename).stem, Path(file.filename).suffix
    path, n = target / file.filename, 0
    while path.exists():
        n += 1
        path = target / f"{stem}-{n}{suffix}"
    path.write_bytes(file.data)
    return path


def local_upload(command: str, text: str) -> Upload | None:
    """The console's way to attach a file: `/papers import PATH` reads PATH on this machine.

    Only the console and `paperbot ask` (someone at this machine's terminal) do this; chat platforms pass
    uploads from their own attachment fields, never a path.
    """
    words = text.split(maxsplit=1)
    if command.lstrip("/").lower() != "papers" or len(words) != 2 or words[0].lower() != "import":
        return None
    path = Path(words[1].strip().strip("\"'")).expanduser()
    if not path.is_file() or path.stat().st_size > MAX_UPLOAD_BYTES:
        return None
    return Upload(path.name, path.read_bytes())


def show_reply(reply: Message, out: TextIO) -> None:
    """Print a reply; a file that comes with it is written to the current directory and named."""
    out.write(render(reply, fmt="text") + "\n")
    if reply.attachment is not None:
        out.write(f"Wrote {write_attachment(reply.attachment)} ({reply.attachment.title})\n")


HELP = """Type a command as you would in Slack or Discord, e.g. /papers today, /papers search "mixture of experts",
/criteria show, /explain 2601.16725. Paste an arXiv link to see its card; ask about a paper with
/ask 2601.16725 What is new here? React to a message with: react <message id> <emoji> [remove]
(e.g. react 3 👍). Ctrl-D or /quit to leave."""


async def _readline(inp: TextIO) -> str:
    """One line from `inp` without blocking the loop.

    A daemon thread, not asyncio.to_thread: when the bot stops, asyncio.run waits for its executor's
    threads, and one blocked in readline would keep the process alive until someone pressed Enter.
    """
    loop = asyncio.get_running_loop()
    got: asyncio.Future[str] = loop.create_future()

    def deliver(line: str) -> None:
        if not got.done():  # cancelled meanwhile: the line is dropped with the stopping prompt
            got.set_result(line)

    def read() -> None:
        line = inp.readline()
        with contextlib.suppress(RuntimeError):  # the loop closed while we waited
            loop.call_soon_threadsafe(deliver, line)

    threading.Thread(target=read, name="console-readline", daemon=True).start()
    return await got


async def console_loop(service: BotService, *, user: str = "console-user", inp: TextIO | None = None,
                       out: TextIO | None = None) -> None:
    """Read commands from stdin (off the event loop) and print the replies."""
    inp = inp or sys.stdin
    out = out or sys.stdout
    out.write(HELP + "\n")
    while True:
        out.write("paperbot> ")
        out.flush()
        line = await _readline(inp)
        if not line:
            return
        line = line.strip()
        if not line:
            continue
        if line in ("/quit", "/exit", "quit", "exit"):
            return
        if line.split()[0] == "react":
            parts = line.split()
            if len(parts) < 3:
                out.write("usage: react <message id> <emoji> [remove]\n")
                continue
            ev = ReactionEvent("console", "console", parts[1], user, parts[2], added=parts[-1] != "remove")
            out.write(await service.on_reaction(ev) + "\n")
            continue
        if not line.startswith("/") and (cards := await service.link_cards("console", "console", line)):
            out.write("\n\n".join(render(c, fmt="text") for c in cards) + "\n")  # a pasted link: its card
            continue
        head, _, rest = line.partition(" ")
        req = Request(platform="console", team="", channel="console", user=user, text=rest.strip(),
                      command=head.lstrip("/"), user_name=user, upload=local_upload(head, rest.strip()))
        show_reply(await service.run_command(req), out)
