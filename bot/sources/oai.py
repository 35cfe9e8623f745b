"""Past announcement days from arXiv's OAI-PMH interface (ListRecords, metadataPrefix=arXiv), for the first start.

The RSS feed only ever holds the latest announcement; OAI-PMH dates each record by its last change
(`datestamp`, a UTC date). arXiv announces at 20:00 US/Eastern, after midnight UTC, so the papers of one
announcement carry the date of the listing day the RSS feed shows for them; weekend dates hold no
announcement. A record counts as announced that day when its first version was submitted within the week
before (new / cross) or its latest version was (replace / replace-cross); older records changed that day
are metadata edits and are left out. A paper whose metadata arXiv edited after its announcement shows
on the day of the edit: OAI-PMH keeps only the last change.

Requests go through the same Throttle as every other arXiv request (one at a time, 3 s apart).
"""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

from bot.core.models import Listing, ListingEntry, Paper, parse_arxiv_id
from bot.ports import UpstreamError
from bot.sources.arxiv import polite_get
from bot.sources.rss import select
from bot.sources.throttle import Throttle

log = logging.getLogger(__name__)

OAI = "{http://www.openarchives.org/OAI/2.0/}"
AX = "{http://arxiv.org/OAI/arXiv/}"
ANNOUNCED_WITHIN = timedelta(days=7)  # submission (or replacement) to announcement, moderation holds included
_TOP_LEVEL = {"cs", "econ", "eess", "math", "q-bio", "q-fin", "stat"}  # sets named like the archive


def oai_set(category: str) -> str:
    """The OAI-PMH set holding a category: cs.LG → cs, quant-ph → physics:quant-ph, hep-th → physics:hep-th."""
    archive = category.split(".", 1)[0]
    return archive if archive in _TOP_LEVEL else f"physics:{archive}"


@dataclass(frozen=True, slots=True)
class OaiRecord:
    """One ListRecords record: the paper, its datestamp, and the dates of its first and latest version."""

    paper: Paper
    datestamp: date
    created: date | None
    updated: date | None


@dataclass(frozen=True, slots=True)
class OaiPage:
    """One ListRecords answer: its records and the resumptionToken of the next page ("" when it is the last)."""

    records: tuple[OaiRecord, ...]
    token: str


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat((text or "").strip()[:10])
    except ValueError:
        return None


def _record(rec: ET.Element) -> OaiRecord | None:
    header = rec.find(f"{OAI}header")
    meta = rec.find(f"{OAI}metadata/{AX}arXiv")
    if header is None or meta is None or header.get("status") == "deleted":
        return None
    arxiv_id = parse_arxiv_id(meta.findtext(f"{AX}id") or "")
    stamp = _day(header.findtext(f"{OAI}datestamp"))
    if arxiv_id is None or stamp is None:
        return None
    authors = tuple(" ".join(f"{a.findtext(f'{AX}forenames') or ''} {a.findtext(f'{AX}keyname') or ''}".split())
                    for a in meta.iter(f"{AX}author"))
    created = _day(meta.findtext(f"{AX}created"))
    paper = Paper(arxiv_id=arxiv_id, title=" ".join((meta.findtext(f"{AX}title") or "").split()),
                  abstract=" ".join((meta.findtext(f"{AX}abstract") or "").split()), authors=authors,
                  categories=tuple((meta.findtext(f"{AX}categories") or "").split()),
                  published=created.isoformat() if created else "",
                  arxiv_comment=" ".join((meta.findtext(f"{AX}comments") or "").split()))
    return OaiRecord(paper, stamp, created, _day(meta.findtext(f"{AX}updated")))


def parse_list_records(body: bytes, *, url: str) -> OaiPage:
    """A ListRecords answer; noRecordsMatch is an empty page; any other OAI error or non-OAI body raises."""
    if re.search(rb"<!DOCTYPE", body[:4096], re.IGNORECASE):
        raise UpstreamError("arXiv", f"not an OAI-PMH answer at {url} (an HTML page)")
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise UpstreamError("arXiv", f"not an OAI-PMH answer at {url}: not XML ({exc})") from None
    error = root.find(f"{OAI}error")
    if error is not None:
        if error.get("code") == "noRecordsMatch":
            return OaiPage((), "")
        raise UpstreamError("arXiv", f"OAI-PMH error {error.get('code')} at {url}: {(error.text or '').strip()}")
    listed = root.find(f"{OAI}ListRecords")
    if listed is None:
        raise UpstreamError("arXiv", f"not an OAI-PMH ListRecords answer at {url}")
    records = tuple(r for r in map(_record, listed.iter(f"{OAI}record")) if r is not None)
    return OaiPage(records, (listed.findtext(f"{OAI}resumptionToken") or "").strip())


def announce_type(record: OaiRecord, categories: Sequence[str]) -> str | None:
    """new / cross / replace / replace-cross for the categories, or None (not theirs, or a metadata edit)."""
    cats = record.paper.categories
    if not cats or not set(cats) & set(categories):
        return None
    primary = cats[0] in categories
    since = record.datestamp - ANNOUNCED_WITHIN
    if record.updated is None and record.created is not None and record.created >= since:
        return "new" if primary else "cross"
    if record.updated is not None and record.updated >= since:
        return "replace" if primary else "replace-cross"
    return None


class OaiArchive:
    """ListingArchive over arXiv's OAI-PMH: what was announced on a past day, for some categories."""

    def __init__(self, *, oai_url: str = "https://oaipmh.arxiv.org/oai", throttle: Throttle | None = None,
                 timeout_s: float = 30, max_retries: int = 3) -> None:
        self.oai_url = oai_url
        self.throttle = throttle or Throttle()
        self.timeout_s, self.max_retries = timeout_s, max_retries

    async def announced(self, day: date, categories: Sequence[str], announce_types: Sequence[str]) -> Listing:
        """The day's announcement for the categories (an empty Listing on a day without one)."""
        entries: list[ListingEntry] = []
        for oai_set_name in dict.fromkeys(oai_set(c) for c in categories):
            params = {"verb": "ListRecords", "metadataPrefix": "arXiv", "set": oai_set_name,
                      "from": day.isoformat(), "until": day.isoformat()}
            while True:
                page = await self.page(params)
                for r in page.records:
                    kind = announce_type(r, categories) if r.datestamp == day else None
                    if kind:
                        entries.append(ListingEntry(r.paper, kind))
                if not page.token:
                    break
                params = {"verb": "ListRecords", "resumptionToken": page.token}
        chosen = select(entries, announce_types)
        return Listing(day=day if chosen else None, entries=chosen, source_url=self.oai_url)

    async def page(self, params: dict[str, str]) -> OaiPage:
        """One ListRecords request, in the shared throttle's slot, retried on 503 (Retry-After) and 5xx."""
        url = f"{self.oai_url}?{urlencode(params)}"
        body = await self.throttle.call(lambda: self._get(url), what=url, timeout_s=self.timeout_s,
                                        max_retries=self.max_retries)
        return parse_list_records(body, url=url)

    def _get(self, url: str) -> bytes:
        r = polite_get(url, timeout_s=self.timeout_s)  # OAI-PMH flow control (503 + Retry-After) is Transient
        if r.status_code != 200:
            raise UpstreamError("arXiv", f"HTTP {r.status_code} from {url}")
        return r.content
