"""The neutral output model: handlers return these, platform renderers turn them into posts.

Text in every node is *raw* (never pre-escaped, never markup): each renderer escapes it for its
platform, so a paper title or a user's words can never ping @channel or inject formatting.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Span:
    """A run of raw text, optionally bold/italic/code or a link."""

    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False
    url: str | None = None


Inline = str | Span  # a bare str is plain text


@dataclass(frozen=True, slots=True)
class Header:
    """A title line."""

    text: str


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A paragraph of inline spans."""

    spans: tuple[Inline, ...]

    @classmethod
    def of(cls, *spans: Inline) -> Paragraph:
        """Build from spans given as arguments."""
        return cls(tuple(spans))


@dataclass(frozen=True, slots=True)
class Bullets:
    """A bulleted list; each item is a tuple of spans."""

    items: tuple[tuple[Inline, ...], ...]


@dataclass(frozen=True, slots=True)
class Fields:
    """Label/value pairs (counts, token tables)."""

    pairs: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Table:
    """A small table (token/cost table); renderers may fall back to code blocks."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class Context:
    """Small print under a block (scorer used, cost, hints)."""

    spans: tuple[Inline, ...]


@dataclass(frozen=True, slots=True)
class Divider:
    """A horizontal rule."""


@dataclass(frozen=True, slots=True)
class Action:
    """A button: runs `command` (a full command line such as "/explain 2601.01234") for the clicker."""

    label: str
    command: str
    style: str = ""  # "", "primary" or "danger"


@dataclass(frozen=True, slots=True)
class PaperCard:
    """One paper as a card: rank, linked title, scores, why, authors, excerpt, votes, actions."""

    arxiv_id: str
    title: str
    url: str
    rank: int | None = None
    authors: str = ""  # already shortened ("A, B, C, … (160 authors)")
    relevance: float | None = None
    novelty: float | None = None
    comment: str = ""  # the scorer's one-line "why"
    excerpt: str = ""  # abstract excerpt
    votes: int = 0
    author_match: bool = False
    pdf_url: str = ""
    actions: tuple[Action, ...] = ()
    compact: bool = False  # one line in lists: rank, title, id, scores, votes


@dataclass(frozen=True, slots=True)
class Image:
    """An image attached to a message (the weekly chart)."""

    filename: str
    data: bytes
    alt: str


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file that goes with a reply (an export): uploaded in chat, written or printed by the CLI."""

    filename: str
    data: bytes
    title: str  # one line saying what it is ("37 papers as BibTeX")
    mime: str = "text/plain"


@dataclass(frozen=True, slots=True)
class Form:
    """Ask the user for one long text (a Slack modal, a Discord modal, a console prompt).

    On submit the platform runs `submit_command` with the entered text appended.
    """

    title: str
    label: str
    initial: str
    submit_command: str


Block = Header | Paragraph | Bullets | Fields | Table | Context | Divider | PaperCard


@dataclass(frozen=True, slots=True)
class Message:
    """A reply or post: a list of blocks, a plain-text summary, and what it stands for.

    `papers` lists the arXiv ids a post stands for, in order: a message with one id is voted
    on with the up/down emoji; a message with several is voted on with numbered reactions
    (1️⃣ = papers[0], …). `ephemeral` asks for a reply only the asker sees.
    """

    blocks: tuple[Block, ...]
    fallback: str = ""  # plain-text summary for notifications and screen readers
    papers: tuple[str, ...] = ()
    ephemeral: bool = True
    image: Image | None = None
    actions: tuple[Action, ...] = ()  # message-level buttons (e.g. "More" pagination)
    key: str = ""  # stable identity of a post within a thread, for idempotent posting
    form: Form | None = None  # set when the reply is "fill in this form" (criteria edit)
    attachment: Attachment | None = None  # a file the platform uploads with the reply (exports)

    @classmethod
    def text(cls, text: str, *, ephemeral: bool = True) -> Message:
        """A plain one-paragraph message."""
        return cls(blocks=(Paragraph((text,)),), fallback=text, ephemeral=ephemeral)


@dataclass(frozen=True, slots=True)
class Thread:
    """A parent post and its replies, posted in order (daily digest, weekly report)."""

    parent: Message
    replies: tuple[Message, ...] = ()
    name: str = ""  # thread title where the platform names threads (Discord)
    kind: str = "daily"  # "daily" or "weekly": keys the posts table
    period: str = ""  # "2026-01-27" or "2026-W04": keys the posts table


def plain(spans: tuple[Inline, ...] | list[Inline]) -> str:
    """Concatenate spans as plain text (for fallbacks and the console)."""
    return "".join(s if isinstance(s, str) else s.text for s in spans)
