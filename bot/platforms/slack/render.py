"""Neutral Message -> Slack Block Kit payloads, split into as many messages as Slack's limits need.

Every text is escaped (mrkdwn.py), every block respects its limits (blocks.py), and here blocks are
packed into messages of ≤ 50 blocks and ≤ ~12k characters, so a post never fails on size.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from bot.core.message import (
    Bullets,
    Context,
    Divider,
    Fields,
    Header,
    Message,
    PaperCard,
    Paragraph,
    Table,
    plain,
)
from bot.platforms.slack.blocks import (
    CONTEXT_LIMIT,
    HEADER_LIMIT,
    Block,
    buttons,
    card_blocks,
    card_line,
    fields_blocks,
    form_blocks,
    mrkdwn,
    plain_text,
    section,
    sections,
    table_blocks,
)
from bot.platforms.slack.mrkdwn import chunk, inline, truncate_escaped

MAX_BLOCKS = 50
MAX_CHARS = 11_000  # Slack advises ~12k characters per message; keep a margin for the fallback
FALLBACK_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class SlackMessage:
    """One chat.postMessage / response_url payload: Block Kit blocks and the plain `text` fallback."""

    text: str
    blocks: list[Block] = field(default_factory=list)


class _Units:
    """Turns a Message into units: lists of blocks that should stay in the same Slack message."""

    def __init__(self, msg: Message, *, votable: bool) -> None:
        self.msg = msg
        self.ids = itertools.count(1)
        # Only a recorded channel post is voted on with numbered reactions; a reply to a command is not.
        self.numbered = list(msg.papers[:10]) if votable and len(msg.papers) > 1 else []

    def number(self, c: PaperCard) -> int | None:
        return self.numbered.index(c.arxiv_id) + 1 if c.arxiv_id in self.numbered else None

    def build(self) -> list[list[Block]]:
        units: list[list[Block]] = []
        compact: list[str] = []
        for b in self.msg.blocks:
            if isinstance(b, PaperCard) and b.compact:
                compact.append(card_line(b, self.number(b)))
                continue
            if compact:
                units.append(sections("\n".join(compact)))
                compact = []
            units.append(self.convert(b))
        if compact:
            units.append(sections("\n".join(compact)))
        if self.msg.form is not None:
            units.append(form_blocks(self.msg.form))
        if self.msg.actions:
            units.append(buttons(self.msg.actions, self.ids))
        units = [u for u in units if u]
        # A header belongs with what follows it, never alone at the bottom of a message.
        merged: list[list[Block]] = []
        for u in units:
            if merged and merged[-1][-1]["type"] == "header":
                merged[-1] = merged[-1] + u
            else:
                merged.append(u)
        return merged

    def convert(self, b: object) -> list[Block]:
        if isinstance(b, Header):
            return [{"type": "header", "text": plain_text(b.text, HEADER_LIMIT)}]
        if isinstance(b, Paragraph):
            return sections(inline(b.spans))
        if isinstance(b, Bullets):
            return sections("\n".join("• " + inline(item) for item in b.items))
        if isinstance(b, Fields):
            return fields_blocks(b)
        if isinstance(b, Table):
            return table_blocks(b)
        if isinstance(b, Context):
            return [{"type": "context", "elements": [mrkdwn(t)]} for t in chunk(inline(b.spans), CONTEXT_LIMIT)]
        if isinstance(b, Divider):
            return [{"type": "divider"}]
        if isinstance(b, PaperCard):
            return card_blocks(b, self.ids, self.number(b))
        return []


def text_size(block: Any) -> int:
    """Characters of text in a block (every "text" string, nested), the measure of the ~12k limit."""
    if isinstance(block, dict):
        return sum(len(v) if k == "text" and isinstance(v, str) else text_size(v) for k, v in block.items())
    if isinstance(block, list):
        return sum(text_size(v) for v in block)
    return 0


def pack(units: list[list[Block]]) -> list[list[Block]]:
    """Fill messages with whole units; a unit too big for one message spills over block by block."""
    messages: list[list[Block]] = []
    cur: list[Block] = []
    size = 0
    for unit in units:
        usize = text_size(unit)
        if cur and (len(cur) + len(unit) > MAX_BLOCKS or size + usize > MAX_CHARS):
            messages.append(cur)
            cur, size = [], 0
        for b in unit:
            bsize = text_size(b)
            if cur and (len(cur) + 1 > MAX_BLOCKS or size + bsize > MAX_CHARS):
                messages.append(cur)
                cur, size = [], 0
            cur.append(b)
            size += bsize
    if cur:
        messages.append(cur)
    return messages


def fallback_text(msg: Message) -> str:
    """The plain `text` of a post: the message's summary, escaped (notifications, screen readers)."""
    raw = msg.fallback
    if not raw:
        for b in msg.blocks:
            if isinstance(b, Header):
                raw = b.text
            elif isinstance(b, Paragraph | Context):
                raw = plain(b.spans)
            elif isinstance(b, PaperCard):
                raw = b.title
            if raw:
                break
    return truncate_escaped(raw or "paperbot", FALLBACK_LIMIT)


def render_message(msg: Message, *, votable: bool = False) -> list[SlackMessage]:
    """A Message as one or more Slack payloads, in posting order; never empty.

    `votable`: the message is a channel post whose reactions are votes, so ranks of a several-paper
    message show as the numbered reactions (:one: …) that vote for them.
    """
    groups = pack(_Units(msg, votable=votable).build())
    text = fallback_text(msg)
    if not groups:
        return [SlackMessage(text=text, blocks=[section(text)])]
    n = len(groups)
    return [SlackMessage(text=text if n == 1 else f"{text} ({i}/{n})", blocks=g) for i, g in enumerate(groups, 1)]
