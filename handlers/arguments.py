"""What users type, split for handlers (tokens, --page, the subcommand), and the errors they can fix."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_PAGE = re.compile(r"(?:^|\s)--page(?:\s*=\s*|\s+)(\S+)", re.IGNORECASE)
_PAGE_BARE = re.compile(r"(?:^|\s)--page\s*$", re.IGNORECASE)
MAX_PAGE = 1_000_000  # no answer has more pages; a larger N would not even fit an SQL OFFSET


class UserError(Exception):
    """Something the user can fix; the text is shown to them with the command's usage."""

    def __init__(self, message: str, *, usage: str | None = None) -> None:
        super().__init__(message)
        self.usage = usage


class PermissionDenied(UserError):
    """The user may not do this (e.g. change criteria without being an editor)."""


@dataclass(frozen=True, slots=True)
class Args:
    """A command's text split for a handler: the subcommand, its words, its raw text, the page asked for."""

    sub: str
    words: tuple[str, ...]  # tokens after the subcommand ("quoted phrases" kept together, quotes kept)
    rest: str  # raw text after the subcommand (newlines kept), --page removed
    page: int


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


def parse_page(text: str) -> tuple[str, int]:
    """Take `--page N` out of the text; N must be a whole number from 1."""
    if _PAGE_BARE.search(text):
        raise UserError("--page needs a number, e.g. --page 2.")
    m = _PAGE.search(text)
    if not m:
        return text, 1
    raw = m.group(1)
    if not raw.isdigit() or int(raw) < 1:
        raise UserError(f"--page needs a whole number from 1, not {raw!r}.")
    if int(raw) > MAX_PAGE:
        raise UserError(f"There is no page {raw}.")
    return (text[: m.start()] + " " + text[m.end() :]).strip(), int(raw)


def parse_args(text: str, *, command: str, subs: Sequence[str], default: str) -> Args:
    """Split `text` into subcommand, words and page; an unknown subcommand is a UserError naming the known ones."""
    body, page = parse_page(text)
    body = body.strip()
    head = body.split(maxsplit=1)[0] if body else ""
    sub = head.lower()
    if not sub:
        sub = default
        rest = ""
    elif sub in subs:
        rest = body[len(head) :].strip()
    else:
        raise UserError(f"/{command} has no subcommand {head!r}. Try one of: " + ", ".join(subs)
                        + f" (or /{command} help).")
    return Args(sub, tuple(tokenize(rest)), rest, page)
