"""The console platform: posts print to the terminal, commands typed at a prompt run the shared handlers."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import sys
import threading
from collections.abc import Sequence
from datetime import datetime
from typing import TextIO

from bot.core.message import Message
from bot.core.models import ReactionEvent, Request
from bot.core.render_text import render
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


HELP = """Type a command as you would in Slack or Discord, e.g. /papers today, /papers search "mixture of experts",
/criteria show, /explain 2601.16725. React to a message with: react <message id> <emoji> [remove]
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
        head, _, rest = line.partition(" ")
        req = Request(platform="console", team="", channel="console", user=user, text=rest.strip(),
                      command=head.lstrip("/"), user_name=user)
        reply = await service.run_command(req)
        out.write(render(reply, fmt="text") + "\n")
