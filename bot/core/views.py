"""Pure view builders for command replies: paper lists with pagination, cards, criteria, costs, answers."""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.core.digest_view import card, excerpt
from bot.core.message import (
    Action,
    Bullets,
    Context,
    Fields,
    Header,
    Inline,
    Message,
    Paragraph,
    Span,
    Table,
)
from bot.core.models import Criteria, Paper, Pick, Score

PER_PAGE = 10


@dataclass(frozen=True, slots=True)
class Page:
    """Which slice of a long answer to show (1-based page number)."""

    number: int
    total: int
    per_page: int = PER_PAGE

    @property
    def pages(self) -> int:
        """How many pages the answer has (at least one)."""
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def start(self) -> int:
        """Index of the page's first item."""
        return (self.number - 1) * self.per_page

    def slice(self, items: Sequence) -> list:
        """The items on this page."""
        return list(items[self.start : self.start + self.per_page])


def unscored_pick(paper: Paper, *, votes: int = 0) -> Pick:
    """A paper the team never scored, as a Pick (scores show as "–")."""
    return Pick(paper, Score(paper.arxiv_id, None, None, scorer=""), votes)


def paging(page: Page, command: str) -> tuple[str, tuple[Action, ...]]:
    """("Page 2 of 5 — /papers week --page 3", (More,)) — nothing for a one-page answer."""
    if page.pages <= 1:
        return "", ()
    if page.number >= page.pages:
        return f"Page {page.number} of {page.pages}", ()
    nxt = f"{command} --page {page.number + 1}"
    return f"Page {page.number} of {page.pages} — {nxt}", (Action("More", nxt),)


def paper_list(title: str, shown: Sequence[Pick], *, page: Page, command: str, empty: str,
               note: str = "") -> Message:
    """One page of a ranked list as compact paper lines, with "More" when there is a next page.

    `shown` holds the page's items only (callers page in SQL or with `page.slice`); ranks continue
    across pages, so page 2 starts at 11.
    """
    blocks: list = [Header(title)]
    if not shown:
        blocks.append(Paragraph.of(empty))
    for i, pick in enumerate(shown):
        blocks.append(card(pick, rank=page.start + i + 1, compact=True, with_excerpt=False))
    footer, actions = paging(page, command)
    small = " · ".join(s for s in (note if shown else "", footer) if s)
    if small:
        blocks.append(Context((small,)))
    lines = [f"{page.start + i + 1}. {p.paper.title} ({p.paper.arxiv_id})" for i, p in enumerate(shown)]
    fallback = "\n".join([title, *lines]) if shown else f"{title}: {empty}"
    return Message(blocks=tuple(blocks), fallback=fallback, papers=tuple(p.paper.arxiv_id for p in shown),
                   actions=actions)


def paper_message(pick: Pick, *, picked_on: Sequence[str] = (), note: str = "") -> Message:
    """One paper's full card: scores and why (when the team picked it), authors, abstract, buttons."""
    p = pick.paper
    c = replace(card(pick, rank=None), excerpt=excerpt(p.abstract, limit=1500))
    pairs = [("Categories", ", ".join(p.categories))] if p.categories else []
    if p.published:
        pairs.append(("Published", p.published))
    if p.arxiv_comment:
        pairs.append(("arXiv comment", p.arxiv_comment))
    pairs.append(("Picked", ", ".join(picked_on) if picked_on else "never picked by this team"))
    blocks: list = [c, Fields(tuple(pairs))]
    if note:
        blocks.append(Context((note,)))
    return Message(blocks=tuple(blocks), fallback=f"{p.title} ({p.arxiv_id}) {p.abs_url}", papers=(p.arxiv_id,))


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


def cost_message(rows: Sequence[dict], *, team: str, span: str) -> Message:
    """LLM calls, tokens and dollars per purpose (from storage.scores.cost_summary)."""
    title = f"LLM cost of {team} — {span}"
    if not rows:
        return Message(blocks=(Header(title), Paragraph.of("No LLM calls in this period: nothing spent.")),
                       fallback=f"{title}: nothing spent")
    body = [(str(r["purpose"]), str(r["calls"]), f"{int(r['prompt_tokens'] or 0):,}",
             f"{int(r['completion_tokens'] or 0):,}", f"${float(r['cost_usd'] or 0):.4f}") for r in rows]
    total = sum(float(r["cost_usd"] or 0) for r in rows)
    body.append(("total", str(sum(int(r["calls"]) for r in rows)),
                 f"{sum(int(r['prompt_tokens'] or 0) for r in rows):,}",
                 f"{sum(int(r['completion_tokens'] or 0) for r in rows):,}", f"${total:.4f}"))
    table = Table(header=("Purpose", "Calls", "Prompt tokens", "Completion tokens", "Cost"), rows=tuple(body))
    return Message(blocks=(Header(title), table), fallback=f"{title}: ${total:.4f}")


_LABELS = ("TL;DR", "Key idea", "Why it matters", "Limitations", "Answer")


def explanation_message(paper: Paper, answer: str, *, question: str, note: str) -> Message:
    """An /explain answer: the paper as a linked header line, then labelled sections."""
    blocks: list = [Header(paper.title[:150]), Paragraph.of(Span(paper.arxiv_id, url=paper.abs_url))]
    if question:
        blocks.append(Paragraph.of(Span("Question: ", bold=True), question))
    for part in (s.strip() for s in answer.split("\n\n")):
        if not part:
            continue
        head, sep, rest = part.partition(":")
        spans: tuple[Inline, ...] = (part,)
        if sep and any(head.startswith(label) for label in _LABELS):
            spans = (Span(head + ":", bold=True), rest)
        blocks.append(Paragraph(spans))
    blocks.append(Context((note,)))
    return Message(blocks=tuple(blocks), fallback=f"{paper.title} ({paper.arxiv_id}): {answer[:300]}",
                   papers=(paper.arxiv_id,),
                   actions=(Action("Upvote", f"/papers upvote {paper.arxiv_id}"),
                            Action("More like this", f"/papers like {paper.arxiv_id}")))


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
