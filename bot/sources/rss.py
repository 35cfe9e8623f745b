"""Parse arXiv's daily announcement feeds (rss.arxiv.org, RSS 2.0 or Atom) into listing entries."""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

from bot.core.models import ANNOUNCE_TYPES, ListingEntry, Paper, parse_arxiv_id
from bot.ports import UpstreamError

log = logging.getLogger(__name__)

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
DC = "{http://purl.org/dc/elements/1.1/}"
EASTERN = ZoneInfo("America/New_York")  # arXiv announces, and dates its feeds, in US/Eastern

_VERSION = re.compile(r"arXiv:\S+?v(\d+)\b")
_ANNOUNCE = re.compile(r"Announce Type:\s*([\w-]+)")
_TRAILING_VERSION = re.compile(r"v(\d+)$")
# Separators between authors, and the brackets that shield the commas/"and"s of affiliations.
_AUTHOR_TOKENS = re.compile(r"[()\[\]]|,|\s+&\s+|\s+and\s+")


@dataclass(frozen=True, slots=True)
class FeedPage:
    """What one feed says: its announcement day (None when it lists nothing) and its entries."""

    day: date | None
    entries: tuple[ListingEntry, ...]


def _collapse(text: str | None) -> str:
    return " ".join((text or "").split())


def split_authors(text: str) -> list[str]:
    """Split a dc:creator string ("A, B and C (Univ. X, Lab Y)") into names, dropping affiliations.

    The API gives bare names; dropping the bracketed affiliations the feed sometimes adds keeps a
    paper's authors the same whichever way it was fetched (and author matching on names).
    """
    names: list[str] = []
    current: list[str] = []
    depth, pos = 0, 0
    for m in _AUTHOR_TOKENS.finditer(text):
        if depth == 0:
            current.append(text[pos : m.start()])
        pos = m.end()
        token = m.group()
        if token in ("(", "["):
            depth += 1
        elif token in (")", "]"):
            depth = max(0, depth - 1)
        elif depth == 0:
            names.append("".join(current))
            current = []
    if depth == 0:
        current.append(text[pos:])
    names.append("".join(current))
    return [n for n in map(_collapse, names) if n]


def _feed_day(stamp: str | None, *, rfc822: bool) -> date | None:
    """The US/Eastern date of a feed timestamp, or None when it is missing or unreadable."""
    if not stamp or not stamp.strip():
        return None
    try:
        when = parsedate_to_datetime(stamp.strip()) if rfc822 else datetime.fromisoformat(stamp.strip())
    except (TypeError, ValueError):
        return None
    return when.astimezone(EASTERN).date() if when.tzinfo else when.date()


def _entry(
    *,
    link: str,
    guid: str,
    title: str | None,
    description: str,
    categories: list[str],
    announce_type: str | None,
    authors: list[str],
    day: date | None,
) -> ListingEntry | None:
    """Build one entry from an item's raw fields; None (logged) when it carries no arXiv id."""
    guid_id = guid.strip().removeprefix("oai:arXiv.org:")
    arxiv_id = parse_arxiv_id(link) or parse_arxiv_id(guid_id)
    if arxiv_id is None:
        log.warning("arXiv feed item without an arXiv id skipped (link=%r, guid=%r)", link, guid)
        return None
    version = _VERSION.search(description) or _TRAILING_VERSION.search(guid_id)
    if not announce_type:
        found = _ANNOUNCE.search(description)
        announce_type = found.group(1) if found else "new"
    # The description is "arXiv:<id>vN Announce Type: <type> \nAbstract: <abstract>".
    head, sep, abstract = description.partition("Abstract:")
    kind = announce_type.strip().lower()
    paper = Paper(
        arxiv_id=arxiv_id,
        title=_collapse(title),
        abstract=_collapse(abstract if sep else _ANNOUNCE.sub("", _VERSION.sub("", head), count=1)),
        authors=tuple(authors),
        categories=tuple(c for c in map(_collapse, categories) if c),
        # The feed only dates the announcement; that is the first version's date only for "new".
        published=day.isoformat() if day and kind == "new" else "",
        version=int(version.group(1)) if version else 1,
    )
    return ListingEntry(paper=paper, announce_type=kind)


def _rss_entries(channel: ET.Element, day: date | None) -> Iterable[ListingEntry | None]:
    for item in channel.iter("item"):
        yield _entry(
            link=item.findtext("link") or "",
            guid=item.findtext("guid") or "",
            title=item.findtext("title"),
            description=item.findtext("description") or "",
            categories=[c.text or "" for c in item.findall("category")],
            announce_type=item.findtext(f"{ARXIV}announce_type"),
            authors=[a for c in item.findall(f"{DC}creator") for a in split_authors(c.text or "")],
            day=day,
        )


def _atom_entries(feed: ET.Element, day: date | None) -> Iterable[ListingEntry | None]:
    for item in feed.iter(f"{ATOM}entry"):
        links = item.findall(f"{ATOM}link")
        alternate = next((x for x in links if x.get("rel", "alternate") == "alternate"), None)
        creators = [a for c in item.findall(f"{DC}creator") for a in split_authors(c.text or "")]
        yield _entry(
            link=alternate.get("href", "") if alternate is not None else "",
            guid=item.findtext(f"{ATOM}id") or "",
            title=item.findtext(f"{ATOM}title"),
            description=item.findtext(f"{ATOM}summary") or "",
            categories=[c.get("term", "") for c in item.findall(f"{ATOM}category")],
            announce_type=item.findtext(f"{ARXIV}announce_type"),
            authors=creators or [_collapse(a.findtext(f"{ATOM}name")) for a in item.findall(f"{ATOM}author")],
            day=day,
        )


def parse_feed(body: bytes, *, url: str) -> FeedPage:
    """Parse a feed body; raise UpstreamError("arXiv", "malformed feed at <url>: …") if it is not one."""

    def malformed(why: str) -> UpstreamError:
        return UpstreamError("arXiv", f"malformed feed at {url}: {why}")

    # Feeds never declare a DTD; refusing one means no entity tricks and no HTML error pages.
    if re.search(rb"<!DOCTYPE", body[:4096], re.IGNORECASE):
        raise malformed("it has a document type declaration (an HTML page?)")
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise malformed(f"not XML ({exc})") from None
    if root.tag == "rss":
        channel = root.find("channel")
        if channel is None:
            raise malformed("<rss> without <channel>")
        day = _feed_day(channel.findtext("pubDate"), rfc822=True) or _feed_day(
            channel.findtext("lastBuildDate"), rfc822=True
        )
        found = list(_rss_entries(channel, day))
    elif root.tag == f"{ATOM}feed":
        day = _feed_day(root.findtext(f"{ATOM}updated"), rfc822=False)
        found = list(_atom_entries(root, day))
    else:
        raise malformed(f"root element <{root.tag}>, expected <rss> or an Atom <feed>")
    entries = tuple(e for e in found if e is not None)
    # No items (weekends, holidays) means no announcement: day None, not an error.
    return FeedPage(day=day if entries else None, entries=entries)


_SPECIFICITY = {kind: rank for rank, kind in enumerate(ANNOUNCE_TYPES)}


def select(entries: Iterable[ListingEntry], announce_types: Sequence[str]) -> tuple[ListingEntry, ...]:
    """Dedupe by id, then keep the wanted announce types.

    A paper listed twice (a feed for several categories: new in one, cross-listed into another)
    is kept once, at its first position, under its most specific type (new > cross > replace >
    replace-cross); the type filter runs after that, so a paper that is new in one of the team's
    categories never comes back as a "cross" of another.
    """
    wanted = {t.strip().lower() for t in announce_types}
    best: dict[str, ListingEntry] = {}
    for entry in entries:
        seen = best.get(entry.paper.arxiv_id)
        rank = _SPECIFICITY.get(entry.announce_type, len(_SPECIFICITY))
        if seen is None or rank < _SPECIFICITY.get(seen.announce_type, len(_SPECIFICITY)):
            best[entry.paper.arxiv_id] = entry  # re-assigning keeps the first position
    return tuple(e for e in best.values() if e.announce_type in wanted)
