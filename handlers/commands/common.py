"""What every command module shares: argument parsing, subcommand choice, paper look-up, time spans."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, timedelta

from bot.core.message import Message
from bot.core.models import Paper, Request, parse_arxiv_id
from handlers.deps import Deps
from handlers.registry import CommandSpec, UserError, tokenize
from storage import criteria as criteria_store
from storage import papers as paper_store
from storage.criteria import CriteriaVersion

_PAGE = re.compile(r"(?:^|\s)--page(?:\s*=\s*|\s+)(\S+)", re.IGNORECASE)
_PAGE_BARE = re.compile(r"(?:^|\s)--page\s*$", re.IGNORECASE)
SPANS = ("week", "month", "all")
MAX_PAGE = 1_000_000  # no answer has more pages; a larger N would not even fit an SQL OFFSET


@dataclass(frozen=True, slots=True)
class Args:
    """A command's text split for a handler: the subcommand, its words, its raw text, the page asked for."""

    sub: str
    words: tuple[str, ...]  # tokens after the subcommand ("quoted phrases" kept together, quotes kept)
    rest: str  # raw text after the subcommand (newlines kept), --page removed
    page: int


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


def parse_args(spec: CommandSpec, text: str) -> Args:
    """Split `text` into subcommand, words and page; unknown subcommands are a UserError listing the known ones."""
    body, page = parse_page(text)
    body = body.strip()
    head = body.split(maxsplit=1)[0] if body else ""
    names = {s.name for s in spec.subcommands}
    sub = head.lower()
    if not sub:
        sub = spec.default_sub
        rest = ""
    elif sub in names:
        rest = body[len(head) :].strip()
    else:
        raise UserError(f"/{spec.name} has no subcommand {head!r}. Try one of: "
                        + ", ".join(s.name for s in spec.subcommands) + f" (or /{spec.name} help).")
    return Args(sub, tuple(tokenize(rest)), rest, page)


async def run_sub(spec: CommandSpec, handlers: Mapping[str, Callable[[Request, Deps, Args], Awaitable[Message]]],
                  req: Request, deps: Deps, text: str | None = None) -> Message:
    """Parse the text and run the subcommand's handler; its UserErrors show the subcommand's usage."""
    args = parse_args(spec, req.text if text is None else text)
    try:
        return await handlers[args.sub](req, deps, args)
    except UserError as e:
        if e.usage is None:
            e.usage = next((s.usage for s in spec.subcommands if s.name == args.sub), None)
        raise


def unquote(text: str) -> str:
    """The text without surrounding quotes or whitespace."""
    return text.strip().strip("\"“”'").strip()


def arxiv_id_of(text: str) -> str:
    """The version-less arXiv id in an id or arXiv URL, else a UserError saying what is expected."""
    # Slack may hand links over as <https://…> or <https://…|label>.
    word = unquote(text).strip("<>").split("|", 1)[0].strip()
    if not word:
        raise UserError("Give an arXiv id or URL, e.g. 2601.16725 or https://arxiv.org/abs/2601.16725.")
    arxiv_id = parse_arxiv_id(word)
    if arxiv_id is None:
        raise UserError(f"{word[:80]!r} is not an arXiv id or URL (e.g. 2601.16725 or "
                        "https://arxiv.org/abs/2601.16725).")
    return arxiv_id


async def resolve_paper(deps: Deps, text: str) -> tuple[Paper, bool]:
    """(paper, fetched): the stored paper, or fetched from arXiv and stored; "No arXiv paper …" if none."""
    arxiv_id = arxiv_id_of(text)
    paper = await deps.store.call(paper_store.get_paper, arxiv_id)
    if paper is not None:
        return paper, False
    found = [p for p in await deps.need_source().fetch([arxiv_id]) if p.arxiv_id == arxiv_id]
    if not found:
        raise UserError(f"No arXiv paper {arxiv_id}.")
    await deps.store.call(paper_store.upsert_papers, found)
    return found[0], True


async def current_criteria(deps: Deps, req: Request) -> CriteriaVersion:
    """The team's latest criteria version (the config's criteria become version 1 on first use)."""
    team = deps.team_of(req)
    return await deps.store.call(criteria_store.ensure_team, team.name, team.criteria)


def span_start(deps: Deps, span: str) -> tuple[str, str]:
    """(ISO lower bound in UTC for `at` columns, label) of week / month / all."""
    now = deps.clock.now().astimezone(UTC)
    if span == "all":
        return "", "all time"
    days = 7 if span == "week" else 30
    since = (now - timedelta(days=days)).replace(microsecond=0)
    return since.isoformat(), f"last {days} days"


def pick_span(words: tuple[str, ...], *, default: str = "week") -> str:
    """The week|month|all word of a command, checked."""
    if not words:
        return default
    span = unquote(words[0]).lower()
    if span not in SPANS or len(words) > 1:
        raise UserError(f"Choose one of {', '.join(SPANS)}, not {' '.join(words)!r}.")
    return span


def parse_day(text: str) -> date:
    """A YYYY-MM-DD date, else a UserError."""
    try:
        return date.fromisoformat(unquote(text))
    except ValueError:
        raise UserError(f"{unquote(text)[:40]!r} is not a date: use YYYY-MM-DD, e.g. 2026-01-27.") from None

