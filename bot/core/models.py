"""Domain records shared by every layer: papers, criteria, scores, picks, digests, votes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any
from urllib.parse import quote, quote_plus

# New-style ids (2601.16725, optional vN) and old-style ids (astro-ph/0601001, hep-th/9901001v2).
_NEW_ID = r"\d{4}\.\d{4,5}"
_OLD_ID = r"[a-z\-]+(?:\.[A-Z]{2})?/\d{7}"
ARXIV_ID_RE = re.compile(rf"(?P<id>{_NEW_ID}|{_OLD_ID})(?:v(?P<v>\d+))?")
_URL_OR_ID = re.compile(
    rf"^(?:(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/)?(?:arxiv:)?"
    rf"(?P<id>{_NEW_ID}|{_OLD_ID})(?:v(?P<v>\d+))?(?:\.pdf)?/?$",
    re.IGNORECASE,
)

# arXiv references inside free text (a chat message): links, "arXiv:<id>", and bare new-style ids whose
# month is real (2601.16725 yes, 1234.5678 no), never inside a longer number or word.
_IN_TEXT = re.compile(
    rf"(?:arxiv\.org/(?:abs|pdf|html)/|\barxiv:\s*)(?P<linked>{_NEW_ID}|{_OLD_ID})"
    rf"|(?<![\w./-])(?P<bare>\d{{2}}(?:0[1-9]|1[0-2])\.\d{{4,5}})(?:v\d+)?(?![\w]|\.\d)",
    re.IGNORECASE,
)

ANNOUNCE_TYPES = ("new", "cross", "replace", "replace-cross")
# Keys of imported papers that are not on arXiv (stored beside arXiv ids in papers.arxiv_id).
DOI_KEY, REF_KEY = "doi:", "ref:"


def parse_arxiv_id(text: str) -> str | None:
    """Return the version-less arXiv id in an id or arXiv URL, or None if it is not one."""
    m = _URL_OR_ID.match(text.strip())
    if not m:
        return None
    ident = m.group("id")
    # Old-style archive names are lower case; new-style ids have no letters.
    return ident if "/" not in ident else ident.split("/")[0].lower() + "/" + ident.split("/")[1]


def find_arxiv_ids(text: str) -> list[str]:
    """The version-less arXiv ids a message refers to (links, "arXiv:" ids, bare ids), in order, each once."""
    found: list[str] = []
    for m in _IN_TEXT.finditer(text):
        ident = parse_arxiv_id(m.group("linked") or m.group("bare"))
        if ident and ident not in found:
            found.append(ident)
    return found


@dataclass(frozen=True, slots=True)
class Paper:
    """One arXiv paper as we store it (the id never carries a version)."""

    arxiv_id: str
    title: str
    abstract: str = ""
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    published: str = ""  # ISO date of the first version, when known
    version: int = 1
    arxiv_comment: str = ""  # the authors' comment field ("12 pages, ICML")

    @property
    def abs_url(self) -> str:
        """Link to the abstract page (an imported paper that is not on arXiv: its DOI, else a title search)."""
        if self.arxiv_id.startswith(DOI_KEY):
            return "https://doi.org/" + quote(self.arxiv_id.removeprefix(DOI_KEY), safe="/:;()")
        if self.arxiv_id.startswith(REF_KEY):
            return "https://scholar.google.com/scholar?q=" + quote_plus(self.title)
        return f"https://arxiv.org/abs/{self.arxiv_id}"

    @property
    def pdf_url(self) -> str:
        """Link to the PDF ("" for an imported paper that is not on arXiv)."""
        if self.arxiv_id.startswith((DOI_KEY, REF_KEY)):
            return ""
        return f"https://arxiv.org/pdf/{self.arxiv_id}"

    @property
    def primary_category(self) -> str:
        """The first listed category, arXiv's primary one."""
        return self.categories[0] if self.categories else ""


@dataclass(frozen=True, slots=True)
class ListingEntry:
    """A paper as announced on one day under one announce type."""

    paper: Paper
    announce_type: str


@dataclass(frozen=True, slots=True)
class Listing:
    """One announcement day's new listing for a set of categories (empty on days without one)."""

    day: date | None
    entries: tuple[ListingEntry, ...] = ()
    source_url: str = ""


@dataclass(frozen=True, slots=True)
class Criteria:
    """What a team wants to read; versioned in storage, edited through /criteria."""

    topics: str = ""
    keywords: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    relevance_cutoff: int = 8
    novelty_cutoff: int = 7
    digest_size: int = 10

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict (lists, not tuples)."""
        return {
            "topics": self.topics,
            "keywords": list(self.keywords),
            "exclude": list(self.exclude),
            "authors": list(self.authors),
            "categories": list(self.categories),
            "relevance_cutoff": self.relevance_cutoff,
            "novelty_cutoff": self.novelty_cutoff,
            "digest_size": self.digest_size,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Criteria:
        """Inverse of to_dict; unknown keys are ignored so old versions still load."""
        return cls(
            topics=str(d.get("topics", "")),
            keywords=tuple(d.get("keywords", ())),
            exclude=tuple(d.get("exclude", ())),
            authors=tuple(d.get("authors", ())),
            categories=tuple(d.get("categories", ())),
            relevance_cutoff=int(d.get("relevance_cutoff", 8)),
            novelty_cutoff=int(d.get("novelty_cutoff", 7)),
            digest_size=int(d.get("digest_size", 10)),
        )

    def evolve(self, **changes: Any) -> Criteria:
        """Return a copy with some fields changed."""
        return replace(self, **changes)


@dataclass(frozen=True, slots=True)
class Score:
    """A scorer's verdict on one paper for one team's criteria."""

    arxiv_id: str
    relevance: float | None
    novelty: float | None
    comment: str = ""
    scorer: str = "local"  # "llm:<model>" or "local:<name>"
    author_match: bool = False

    @property
    def scored(self) -> bool:
        """True when both axes have a value (author matches may have none)."""
        return self.relevance is not None and self.novelty is not None

    @property
    def total(self) -> float:
        """Ranking key before votes: relevance + novelty, author matches first."""
        base = (self.relevance or 0) + (self.novelty or 0)
        return base + (100 if self.author_match else 0)


@dataclass(frozen=True, slots=True)
class Pick:
    """A paper that made a team's digest, with its score and the team's votes."""

    paper: Paper
    score: Score
    votes: int = 0


@dataclass(frozen=True, slots=True)
class LLMUsage:
    """Tokens and money spent on LLM calls."""

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    cost_usd: float = 0.0

    def __add__(self, other: LLMUsage) -> LLMUsage:
        return LLMUsage(
            self.calls + other.calls,
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
            self.cached_tokens + other.cached_tokens,
            self.cost_usd + other.cost_usd,
        )


@dataclass(frozen=True, slots=True)
class Digest:
    """One team's picks for one announcement day."""

    team: str
    day: date
    scorer: str
    listed: int
    scanned: int
    picks: tuple[Pick, ...]
    digest_size: int
    usage: LLMUsage = field(default_factory=LLMUsage)
    unscored: tuple[str, ...] = ()  # ids still waiting for a score (retried next run)

    @property
    def top(self) -> tuple[Pick, ...]:
        """The picks that go in the channel post; the rest go in its thread."""
        return self.picks[: self.digest_size]


@dataclass(frozen=True, slots=True)
class ReactionEvent:
    """A reaction added to or removed from a message, on any platform."""

    platform: str
    channel: str
    message_id: str
    user: str
    emoji: str
    added: bool
    team: str | None = None  # filled by the adapter when it knows the team


@dataclass(frozen=True, slots=True)
class Upload:
    """A file a user attached to a command (Discord's attachment option, a path typed at the console)."""

    filename: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Request:
    """A command as a user typed it, reduced to what handlers need."""

    platform: str
    team: str
    channel: str
    user: str
    text: str  # everything after the command name
    command: str = ""
    user_name: str = ""
    roles: tuple[str, ...] = ()  # platform role NAMES (anyone can name a role "admin": never trusted)
    is_admin: bool = False  # set by the adapter from a real permission (Discord Manage Server)
    upload: Upload | None = None  # a file the user attached, where the platform lets commands carry one


@dataclass(frozen=True, slots=True)
class Mention:
    """Someone @mentioned the bot (or asked about a paper) in a chat, reduced to what handlers need."""

    platform: str
    channel: str
    user: str
    text: str  # what they wrote, the bot's own mention taken out
    message_id: str = ""  # the message that mentions the bot
    thread: str = ""  # the message it hangs under: Slack's thread_ts; on Discord the replied-to message or thread
    context: str = ""  # that message's text when the adapter has it: an arXiv link in it names the paper
    user_name: str = ""
