"""Pure view builders for command replies: paper lists with pagination, paper cards, costs, answers.

Criteria views live in bot/core/criteria_view.py and paging in bot/core/paging.py; both are re-exported
here so callers that import them from this module keep working.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.core.criteria_view import (
    HistoryEntry,
    PreviewDay,
    criteria_diff,
    criteria_fields,
    criteria_message,
    history_message,
    preview_message,
)
from bot.core.digest_view import card, excerpt
from bot.core.message import Action, Context, Fields, Header, Inline, Message, Paragraph, Span, Table
from bot.core.models import Paper, Pick, Score
from bot.core.paging import Page, paging

__all__ = ["HistoryEntry", "Page", "PreviewDay", "cost_message", "criteria_diff", "criteria_fields",
           "criteria_message", "explanation_message", "history_message", "paging", "paper_list", "paper_message",
           "preview_message", "unscored_pick"]


def unscored_pick(paper: Paper, *, votes: int = 0) -> Pick:
    """A paper the team never scored, as a Pick (scores show as "–")."""
    return Pick(paper, Score(paper.arxiv_id, None, None, scorer=""), votes)


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


