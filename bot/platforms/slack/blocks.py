"""Block Kit building blocks: text objects, sections, buttons, and paper cards, tables, fields as blocks.

Limits live here so every builder respects them: section text ≤ 3000, header ≤ 150, button text ≤ 75,
≤ 10 fields and ≤ 25 buttons per block.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from bot.core.message import Action, Fields, Form, PaperCard, Table
from bot.core.render_text import format_score
from bot.core.votes import SLACK_NUMBERS
from bot.platforms.slack.mrkdwn import chunk, escape, link, truncate_escaped

SECTION_LIMIT = 3000
HEADER_LIMIT = 150
BUTTON_LIMIT = 75
BUTTON_VALUE_LIMIT = 2000
CONTEXT_LIMIT = 2000
FIELD_LIMIT = 1000
FIELDS_PER_SECTION = 10
ELEMENTS_PER_ACTIONS = 25
ACTION_PREFIX = "paperbot-run-"  # action_id prefix the adapter listens for

Block = dict[str, Any]


def mrkdwn(text: str) -> dict[str, Any]:
    """A mrkdwn text object; verbatim so Slack never auto-parses mentions or channel names in it."""
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def plain_text(text: str, limit: int) -> dict[str, Any]:
    """An escaped, length-capped plain_text object."""
    return {"type": "plain_text", "text": truncate_escaped(text, limit) or " ", "emoji": True}


def section(text: str) -> Block:
    """A section block (the caller keeps text ≤ 3000)."""
    return {"type": "section", "text": mrkdwn(text)}


def sections(text: str) -> list[Block]:
    """As many sections as the mrkdwn text needs."""
    return [section(t) for t in chunk(text, SECTION_LIMIT)]


def buttons(actions: tuple[Action, ...], ids: Iterator[int]) -> list[Block]:
    """Actions -> actions blocks (≤ 25 buttons each); the button's value is the command it runs."""
    elements = []
    for a in actions:
        if not a.command or len(a.command) > BUTTON_VALUE_LIMIT:
            continue
        el: dict[str, Any] = {"type": "button", "text": plain_text(a.label, BUTTON_LIMIT),
                              "action_id": f"{ACTION_PREFIX}{next(ids)}", "value": a.command}
        if a.style in ("primary", "danger"):
            el["style"] = a.style
        elements.append(el)
    return [{"type": "actions", "elements": elements[i:i + ELEMENTS_PER_ACTIONS]}
            for i in range(0, len(elements), ELEMENTS_PER_ACTIONS)]


def _scores(c: PaperCard) -> str:
    parts = []
    if c.author_match:
        parts.append("👤 author match")
    if c.relevance is not None or c.novelty is not None or not c.author_match:
        parts.append(f"Relevance *{format_score(c.relevance)}* · Novelty *{format_score(c.novelty)}*")
    if c.votes:
        parts.append(f"votes {c.votes:+d}")
    return " · ".join(parts)


def _marker(c: PaperCard, number: int | None) -> str:
    # In a message voted on with numbered reactions, the rank IS the reaction to use.
    if number is not None:
        return f":{SLACK_NUMBERS[number - 1]}: "
    return f"{c.rank}. " if c.rank is not None else ""


def card_line(c: PaperCard, number: int | None = None) -> str:
    """A compact card: one line with rank, linked title, id, scores, votes."""
    return f"{_marker(c, number)}{link(c.url, c.title)} — `{escape(c.arxiv_id)}` — {_scores(c)}"


def card_blocks(c: PaperCard, ids: Iterator[int], number: int | None = None) -> list[Block]:
    """A full card: linked title, id/PDF/scores/votes, the one-line why, authors, excerpt, buttons."""
    meta = [f"`{escape(c.arxiv_id)}`"]
    if c.pdf_url:
        meta.append(link(c.pdf_url, "PDF"))
    meta.append(_scores(c))
    lines = [f"{_marker(c, number)}*{link(c.url, c.title)}*", " · ".join(meta)]
    if c.comment:
        lines.append("_Why:_ " + escape(c.comment))
    if c.authors:
        lines.append("_Authors:_ " + escape(c.authors))
    if c.excerpt:
        lines.append(escape(c.excerpt))
    return sections("\n".join(lines)) + buttons(c.actions, ids)


def table_blocks(t: Table) -> list[Block]:
    """A table as preformatted text, repeated header on each piece when it must be split."""
    ncol = max([len(t.header), *(len(r) for r in t.rows)])
    rows = [tuple(t.header) + ("",) * (ncol - len(t.header))] + [tuple(r) + ("",) * (ncol - len(r)) for r in t.rows]
    widths = [min(40, max(len(r[i]) for r in rows)) for i in range(ncol)]
    # Cut after escaping (an "&" grows to five characters), so header + one row always fit a section.
    lines = [truncate_escaped("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip(), 400)
             for r in rows]
    head, body = lines[0], lines[1:] or [""]
    out, cur = [], [head]
    budget = SECTION_LIMIT - 10  # the ``` fences and their line breaks
    for line in body:
        if len("\n".join([*cur, line])) > budget and len(cur) > 1:
            out.append(cur)
            cur = [head]
        cur.append(line)
    out.append(cur)
    return [section("```\n" + "\n".join(part) + "\n```") for part in out]


def fields_blocks(f: Fields) -> list[Block]:
    """Label/value pairs as section fields (≤ 10 per section, each section ≤ 3000 chars)."""
    items = [mrkdwn(f"*{truncate_escaped(k, 200)}*\n{truncate_escaped(v, FIELD_LIMIT)}") for k, v in f.pairs]
    out: list[Block] = []
    cur: list[dict[str, Any]] = []
    for it in items:
        if cur and (len(cur) == FIELDS_PER_SECTION or sum(len(x["text"]) for x in cur) + len(it["text"]) > SECTION_LIMIT):
            out.append({"type": "section", "fields": cur})
            cur = []
        cur.append(it)
    if cur:
        out.append({"type": "section", "fields": cur})
    return out


def form_blocks(form: Form) -> list[Block]:
    """A form shown as text (where no modal can be opened): label, current text, how to submit."""
    body = sections(f"*{escape(form.label)}*")
    body += [section("```\n" + part + "\n```") for part in chunk(escape(form.initial), SECTION_LIMIT - 10)]
    # "<text>" is raw text too: unescaped, Slack would read it as a link or mention and show nothing.
    return body + sections(f"Submit with `{escape(form.submit_command + ' <text>')}`")
