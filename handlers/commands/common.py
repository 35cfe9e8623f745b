"""What every command module shares: arXiv ids, paper look-up, the team's criteria, time spans, dates."""

from __future__ import annotations

from datetime import UTC, date, timedelta

from bot.core.models import Paper, Request, parse_arxiv_id
from handlers.arguments import UserError
from handlers.deps import Deps
from storage import criteria as criteria_store
from storage import papers as paper_store
from storage.criteria import CriteriaVersion

SPANS = ("week", "month", "all")


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

