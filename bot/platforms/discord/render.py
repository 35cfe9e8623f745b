"""Neutral Message -> Discord messages (content + embeds + controls), within Discord's limits.

discord.py enforces almost none of Discord's limits, so this renderer does: 2000 chars of content,
≤ 10 embeds and ≤ 6000 embed characters per message, title 256, description 4096, ≤ 25 fields of
256/1024, footer 2048, each keeping TAG_ROOM free for a post's ref line. Anything longer is split over
several messages; rendering never fails.

Layout: text blocks before the first paper card become the message content (or embeds when too long),
each full PaperCard becomes one embed (linked title, one-line why, scores, votes), compact cards are
one line of text, and a closing Context becomes the footer of the last card.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import discord

from bot.core.message import (
    Action,
    Attachment,
    Block,
    Bullets,
    Context,
    Divider,
    Fields,
    Header,
    Image,
    Message,
    PaperCard,
    Paragraph,
    Table,
    plain,
)
from bot.core.render_text import format_score
from bot.platforms.discord.markdown import clip, code_text, escape, inline, link, safe_url, split_text

CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TOTAL_MAX = 6000
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
# Room left in every part for a post's ref line (bot.platforms.discord.marks), within each limit above.
TAG_ROOM = 200

COLOUR = discord.Colour(0x5865F2)
AUTHOR_MATCH_COLOUR = discord.Colour.gold()


@dataclass(frozen=True, slots=True)
class Menu:
    """A select menu standing for one action label over several cards ("Explain…" → one option per paper)."""

    placeholder: str
    options: tuple[tuple[str, str, str], ...]  # (label, description, command)


@dataclass
class Part:
    """One Discord message to send."""

    content: str = ""
    embeds: list[discord.Embed] = field(default_factory=list)
    image: Image | None = None
    attachment: Attachment | None = None  # a file that goes with the reply (an export)
    buttons: tuple[Action, ...] = ()
    menus: tuple[Menu, ...] = ()

    def size(self) -> int:
        """Characters counted against the 6000 embed limit."""
        return sum(len(e) for e in self.embeds)


def _text(blocks: list[Block]) -> str:
    """Non-card blocks as Discord markdown."""
    lines: list[str] = []
    for b in blocks:
        if isinstance(b, Header):
            lines.append(f"**{escape(b.text)}**")
        elif isinstance(b, Paragraph):
            lines.append(inline(b.spans))
        elif isinstance(b, Bullets):
            lines.extend(f"• {inline(item)}" for item in b.items)
        elif isinstance(b, Fields):
            lines.append(" · ".join(f"**{escape(k)}** {escape(v)}" for k, v in b.pairs))
        elif isinstance(b, Table):
            lines.append(_table(b))
        elif isinstance(b, Context):
            lines.append(f"-# {inline(b.spans)}")
        elif isinstance(b, Divider):
            lines.append("")
        elif isinstance(b, PaperCard):
            lines.append(compact_line(b))
    return "\n".join(lines).strip("\n")


def _table(t: Table) -> str:
    rows = [t.header, *t.rows]
    widths = [max(len(r[i]) if i < len(r) else 0 for r in rows) for i in range(len(t.header))]
    body = "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)).rstrip() for r in rows)
    return f"```\n{code_text(body)}\n```"


def compact_line(c: PaperCard) -> str:
    """A card as one line: rank, linked title, id, scores, votes."""
    rank = f"**{c.rank}.** " if c.rank is not None else ""
    scores = "⭐ author match" if c.author_match and c.relevance is None else (
        f"R {format_score(c.relevance)} · N {format_score(c.novelty)}")
    votes = f" · {c.votes:+d}" if c.votes else ""
    return f"{rank}{link(c.title, c.url)} · `{code_text(c.arxiv_id)}` · {scores}{votes}"


def card_embed(c: PaperCard) -> discord.Embed:
    """A full paper card: linked title, the one-line why, authors, excerpt, links, scores and votes."""
    rank = f"{c.rank}. " if c.rank is not None else ""
    e = discord.Embed(title=clip(escape(f"{rank}{c.title}"), TITLE_MAX), url=safe_url(c.url),
                      colour=AUTHOR_MATCH_COLOUR if c.author_match else COLOUR)
    lines = []
    if c.comment:
        lines.append(f"💡 {clip(escape(c.comment), 1000)}")
    if c.authors:
        lines.append(f"*{clip(escape(c.authors), 500)}*")
    if c.excerpt:
        lines.append(f"> {clip(escape(c.excerpt), 2000)}")
    links = [f"`{code_text(c.arxiv_id)}`", link("abs", c.url)]
    if c.pdf_url:
        links.append(link("pdf", c.pdf_url))
    lines.append(" · ".join(links))
    e.description = "\n".join(lines)
    if c.author_match:
        e.add_field(name="Author match", value="⭐ a watched author", inline=True)
    if c.relevance is not None or not c.author_match:
        e.add_field(name="Relevance", value=format_score(c.relevance), inline=True)
        e.add_field(name="Novelty", value=format_score(c.novelty), inline=True)
    e.add_field(name="Votes", value=f"{c.votes:+d}" if c.votes else "0", inline=True)
    return fit_embed(e)


def fit_embed(e: discord.Embed) -> discord.Embed:
    """Clamp every part of an embed to Discord's limits, then the whole to 6000 characters."""
    if e.title:
        e.title = clip(e.title, TITLE_MAX)
    if e.description:
        e.description = clip(e.description, DESCRIPTION_MAX)
    fields = [(clip(f.name or "\u200b", FIELD_NAME_MAX), clip(f.value or "\u200b", FIELD_VALUE_MAX), bool(f.inline))
              for f in e.fields][:FIELDS_MAX]
    e.clear_fields()
    for name, value, inl in fields:
        e.add_field(name=name, value=value, inline=inl)
    if e.footer.text:
        e.set_footer(text=clip(e.footer.text, FOOTER_MAX - TAG_ROOM))
    while len(e) > EMBED_TOTAL_MAX - TAG_ROOM:
        over = len(e) - (EMBED_TOTAL_MAX - TAG_ROOM)
        if e.description and len(e.description) > over + 1:
            e.description = clip(e.description, len(e.description) - over)
        elif e.fields:
            e.remove_field(len(e.fields) - 1)
        elif e.footer.text:
            e.set_footer(text=clip(e.footer.text, max(1, len(e.footer.text) - over)))
        else:
            e.description = clip(e.description or "", max(1, len(e.description or "") - over))
    return e


def text_embeds(text: str) -> list[discord.Embed]:
    """Long markdown as embeds of ≤ 4096-char descriptions."""
    return [discord.Embed(description=chunk, colour=COLOUR) for chunk in split_text(text, DESCRIPTION_MAX)]


def controls(message: Message) -> tuple[tuple[Action, ...], tuple[Menu, ...]]:
    """Buttons (message actions, and the actions of a lone card) and menus (actions shared by several cards)."""
    cards = [b for b in message.blocks if isinstance(b, PaperCard) and b.actions]
    buttons = list(message.actions)
    if len(cards) == 1:
        buttons.extend(cards[0].actions)
        return tuple(buttons), ()
    labels: dict[str, list[tuple[str, str, str]]] = {}
    for c in cards:
        for a in c.actions:
            rank = f"{c.rank}. " if c.rank is not None else ""
            labels.setdefault(a.label, []).append((clip(f"{rank}{c.title}", 100), c.arxiv_id[:100], a.command))
    menus = tuple(Menu(f"{label}…", tuple(opts[:25])) for label, opts in labels.items())
    return tuple(buttons), menus


def _segments(blocks: tuple[Block, ...]) -> list[list[Block] | PaperCard]:
    """Runs of text blocks, and full cards on their own."""
    out: list[list[Block] | PaperCard] = []
    for b in blocks:
        if isinstance(b, PaperCard) and not b.compact:
            out.append(b)
        elif out and isinstance(out[-1], list):
            out[-1].append(b)
        else:
            out.append([b])
    return out


def render(message: Message) -> list[Part]:
    """The Discord messages that show `message`, in order (at least one)."""
    content = ""
    embeds: list[discord.Embed] = []
    segs = _segments(message.blocks)
    for i, seg in enumerate(segs):
        if isinstance(seg, PaperCard):
            embeds.append(card_embed(seg))
            continue
        text = _text(seg)
        if not text:
            continue
        if i == 0 and len(text) <= CONTENT_MAX - TAG_ROOM:
            content = text
        elif not (i > 0 and isinstance(segs[i - 1], PaperCard) and _trailer(embeds[-1], seg)):
            embeds.extend(text_embeds(text))
    if not content and not embeds:
        content = escape(message.fallback) or "\u200b"
        content = clip(content, CONTENT_MAX - TAG_ROOM)
    parts = _pack(content, embeds)
    parts[0].image, parts[0].attachment = message.image, message.attachment
    parts[-1].buttons, parts[-1].menus = controls(message)
    return parts


def _trailer(card: discord.Embed, seg: list[Block]) -> bool:
    """Fields and notes right after a card join that card's embed (as fields and footer) when they fit."""
    if not all(isinstance(b, Fields | Context) for b in seg):
        return False
    pairs = [p for b in seg if isinstance(b, Fields) for p in b.pairs]
    # Footers are plain text (no markdown, never ping): the raw spans go there unescaped.
    footer = " ".join(plain(b.spans) for b in seg if isinstance(b, Context))
    if len(card.fields) + len(pairs) > FIELDS_MAX or len(footer) > FOOTER_MAX - TAG_ROOM:
        return False
    for name, value in pairs:
        card.add_field(name=clip(escape(name), FIELD_NAME_MAX) or "\u200b",
                       value=clip(escape(value), FIELD_VALUE_MAX) or "–", inline=len(value) <= 40)
    if footer:
        card.set_footer(text=footer)
    fit_embed(card)
    return True


def _pack(content: str, embeds: list[discord.Embed]) -> list[Part]:
    parts: list[Part] = [Part(content=content)]
    for e in embeds:
        cur = parts[-1]
        if len(cur.embeds) >= EMBEDS_MAX or (cur.embeds and cur.size() + len(e) > EMBED_TOTAL_MAX - TAG_ROOM):
            parts.append(Part())
            cur = parts[-1]
        cur.embeds.append(e)
    return parts
