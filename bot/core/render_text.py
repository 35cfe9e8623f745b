"""Message -> markdown or plain text: the console platform and the CLI's --format text|markdown."""

from __future__ import annotations

import re

from bot.core.message import (
    Bullets,
    Context,
    Divider,
    Fields,
    Header,
    Inline,
    Message,
    PaperCard,
    Paragraph,
    Table,
    Thread,
)

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~])")


def md_escape(text: str) -> str:
    """Escape markdown syntax so paper text shows as written."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def _inline(spans: tuple[Inline, ...], md: bool) -> str:
    out = []
    for s in spans:
        if isinstance(s, str):
            out.append(md_escape(s) if md else s)
            continue
        t = md_escape(s.text) if md else s.text
        if md:
            if s.code:
                t = f"`{s.text.replace('`', '')}`"
            if s.bold:
                t = f"**{t}**"
            if s.italic:
                t = f"*{t}*"
            if s.url:
                t = f"[{t}]({s.url})"
        elif s.url and s.url != s.text:
            t = f"{t} <{s.url}>"
        out.append(t)
    return "".join(out)


def format_score(v: float | None) -> str:
    """A score as people write it: 9, 7.5, or – when missing (every renderer uses this)."""
    return "–" if v is None else (str(int(v)) if float(v).is_integer() else f"{v:.1f}")


def _card(c: PaperCard, md: bool) -> str:
    title = md_escape(c.title) if md else c.title
    rank = f"{c.rank}. " if c.rank is not None else ""
    scores = "Author match" if c.author_match and c.relevance is None else (
        f"Relevance {format_score(c.relevance)} · Novelty {format_score(c.novelty)}")
    votes = f" · {c.votes:+d} votes" if c.votes else ""
    if c.compact:
        head = f"[{title}]({c.url})" if md else title
        return f"{rank}{head} — {c.arxiv_id} — {scores}{votes}"
    lines = [f"### {rank}[{title}]({c.url})" if md else f"{rank}{title}"]
    links = f"[abs]({c.url}) · [pdf]({c.pdf_url})" if md else f"{c.url}"
    lines.append(f"ArXiv ID: {c.arxiv_id} · {links}")
    if c.authors:
        lines.append(f"Authors: {md_escape(c.authors) if md else c.authors}")
    lines.append(f"{scores}{votes}")
    if c.comment:
        lines.append(f"Why: {md_escape(c.comment) if md else c.comment}")
    if c.excerpt:
        lines.append(f"Abstract: {md_escape(c.excerpt) if md else c.excerpt}")
    return "\n".join(lines)


def render(msg: Message, *, fmt: str = "text") -> str:
    """Render a message; fmt is 'markdown' or 'text'."""
    md = fmt == "markdown"
    parts: list[str] = []
    for b in msg.blocks:
        if isinstance(b, Header):
            parts.append(f"## {md_escape(b.text)}" if md else f"== {b.text} ==")
        elif isinstance(b, Paragraph):
            parts.append(_inline(b.spans, md))
        elif isinstance(b, Bullets):
            parts.append("\n".join(f"- {_inline(item, md)}" for item in b.items))
        elif isinstance(b, Fields):
            parts.append(" · ".join(f"{k}: {md_escape(v) if md else v}" for k, v in b.pairs))
        elif isinstance(b, Table):
            rows = [b.header, *b.rows]
            if md:
                lines = ["| " + " | ".join(b.header) + " |", "|" + "---|" * len(b.header)]
                lines += ["| " + " | ".join(r) + " |" for r in b.rows]
            else:
                widths = [max(len(r[i]) for r in rows) for i in range(len(b.header))]
                lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
            parts.append("\n".join(lines))
        elif isinstance(b, Context):
            parts.append(f"_{_inline(b.spans, md)}_" if md else _inline(b.spans, md))
        elif isinstance(b, Divider):
            parts.append("---")
        elif isinstance(b, PaperCard):
            parts.append(_card(b, md))
    if msg.actions:
        parts.append("Next: " + " · ".join(f"{a.label} ({a.command})" for a in msg.actions))
    if msg.form:
        parts.append(f"{msg.form.label}:\n{msg.form.initial}\n(submit with: {msg.form.submit_command} <text>)")
    return "\n\n".join(p for p in parts if p)


def render_thread(thread: Thread, *, fmt: str = "text") -> str:
    """A thread as one document: the parent, then each reply under a rule."""
    sep = "\n\n---\n\n" if fmt == "markdown" else "\n\n" + "-" * 60 + "\n\n"
    return sep.join([render(thread.parent, fmt=fmt), *(render(r, fmt=fmt) for r in thread.replies)])
