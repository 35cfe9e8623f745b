"""Criteria views for command replies: the current criteria, what changed, their history, a preview."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.message import Bullets, Context, Fields, Header, Message, Paragraph, Span
from bot.core.models import Criteria, Paper
from bot.core.paging import Page, paging


def criteria_fields(c: Criteria) -> Fields:
    """The list-like criteria as label/value pairs."""
    none = "—"
    return Fields((
        ("Keywords", ", ".join(c.keywords) or none),
        ("Exclude", ", ".join(c.exclude) or none),
        ("Authors", ", ".join(c.authors) or none),
        ("Categories", ", ".join(c.categories) or none),
        ("Cut-offs", f"relevance ≥ {c.relevance_cutoff} · novelty ≥ {c.novelty_cutoff}"),
        ("Digest size", str(c.digest_size)),
    ))


def criteria_message(c: Criteria, *, team: str, version: int, author: str, created_at: str,
                     change: str) -> Message:
    """The current criteria of a team and who changed them last."""
    blocks = (
        Header(f"Criteria of {team} — version {version}"),
        Paragraph.of(Span("Topics", bold=True)),
        Paragraph.of(c.topics or "—"),
        criteria_fields(c),
        Context((f"Last change by {author} at {created_at[:16].replace('T', ' ')} UTC: {change}",
                 " · /criteria history for every version")),
    )
    return Message(blocks=blocks, fallback=f"Criteria of {team}, version {version}")


_LIST_MARK = re.compile(r"^(?:[-*•]|\d+[.)])\s+")
_LISTS = (("keywords", "keyword"), ("exclude", "exclude"), ("authors", "author"), ("categories", "category"))
_NUMBERS = (("relevance_cutoff", "relevance cut-off"), ("novelty_cutoff", "novelty cut-off"),
            ("digest_size", "digest size"))


def criteria_diff(old: Criteria | None, new: Criteria) -> list[str]:
    """What changed from `old` to `new`, one human line per change ("+ keyword: MoE")."""
    base = old or Criteria()
    out: list[str] = []
    if base.topics != new.topics:
        a = [x.strip() for x in base.topics.splitlines() if x.strip()]
        b = [x.strip() for x in new.topics.splitlines() if x.strip()]
        for line in difflib.ndiff(a, b):
            if line[:2] in ("+ ", "- "):
                out.append(f"{line[0]} topic: {_LIST_MARK.sub('', line[2:])}")
    for attr, label in _LISTS:
        before, after = getattr(base, attr), getattr(new, attr)
        out += [f"+ {label}: {v}" for v in after if v not in before]
        out += [f"- {label}: {v}" for v in before if v not in after]
    for attr, label in _NUMBERS:
        if getattr(base, attr) != getattr(new, attr):
            out.append(f"{label}: {getattr(base, attr)} → {getattr(new, attr)}")
    return out


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One criteria version as the history lists it."""

    version: int
    author: str
    created_at: str
    change: str
    diff: tuple[str, ...]


def history_message(entries: Sequence[HistoryEntry], *, team: str, page: Page, command: str,
                    max_lines: int = 8) -> Message:
    """Numbered criteria versions, newest first: who, when, what changed."""
    blocks: list = [Header(f"Criteria history of {team} — {page.total} versions")]
    for e in page.slice(entries):
        when = e.created_at[:16].replace("T", " ")
        blocks.append(Paragraph.of(Span(f"v{e.version}", bold=True), f" · {e.author} · {when} UTC · {e.change}"))
        lines = list(e.diff[:max_lines])
        if len(e.diff) > max_lines:
            lines.append(f"… {len(e.diff) - max_lines} more changes")
        if lines:
            blocks.append(Bullets(tuple((Span(x, code=True),) for x in lines)))
    footer, actions = paging(page, command)
    blocks.append(Context(((footer + " · ") if footer else "", "Undo a change with /criteria revert <version>.")))
    return Message(blocks=tuple(blocks), fallback=f"Criteria history of {team}", actions=actions)


@dataclass(frozen=True, slots=True)
class PreviewDay:
    """One digest day in a criteria preview: what the current criteria pick vs what was posted."""

    day: str
    would: tuple[Paper, ...]
    posted: tuple[Paper, ...]
    candidates: int


def preview_message(days: Sequence[PreviewDay], *, team: str, note: str, max_names: int = 5) -> Message:
    """Per day: the count the current criteria would pick, and which papers come in or drop out."""
    blocks: list = [Header(f"Criteria preview for {team} — last {len(days)} digest days")]
    if not days:
        blocks.append(Paragraph.of("No digest is stored yet, so there is nothing to compare against."))
    for d in days:
        posted = {p.arxiv_id for p in d.posted}
        would = {p.arxiv_id for p in d.would}
        new = [p for p in d.would if p.arxiv_id not in posted]
        gone = [p for p in d.posted if p.arxiv_id not in would]
        same = "same picks as posted" if not new and not gone else f"+{len(new)} / −{len(gone)}"
        blocks.append(Paragraph.of(Span(d.day, bold=True), f": would pick {len(d.would)} of {d.candidates} "
                                   f"(posted {len(d.posted)}) — {same}"))
        items = [("+ ", Span(p.title, url=p.abs_url), f" ({p.arxiv_id})") for p in new[:max_names]]
        items += [("− ", Span(p.title, url=p.abs_url), f" ({p.arxiv_id})") for p in gone[:max_names]]
        extra = len(new) - min(len(new), max_names) + len(gone) - min(len(gone), max_names)
        if extra:
            items.append((f"… and {extra} more",))
        if items:
            blocks.append(Bullets(tuple(items)))
    blocks.append(Context((note,)))
    return Message(blocks=tuple(blocks), fallback=f"Criteria preview for {team}")
