"""Import a reading list (BibTeX, RIS, Zotero CSV): store its papers and make them the team's positive examples.

arXiv entries are stored with arXiv's own metadata (fetched, throttled, when not stored yet); an entry
without an arXiv id is stored only when it has a title and an abstract (enough text to learn from),
keyed by its DOI ("doi:…") or its title ("ref:…"); the others are counted as skipped, never dropped silently.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass, field

from bot.core.models import DOI_KEY, REF_KEY, Paper, Upload
from bot.core.reading_list import Reference, distinct, parse_reading_list
from bot.ports import UpstreamError
from handlers.deps import Deps
from storage import examples
from storage import papers as paper_store

log = logging.getLogger("paperbot.import")


@dataclass
class ImportReport:
    """What an import did, for the reply and the CLI."""

    filename: str
    entries: int = 0
    stored: int = 0  # papers stored or already there, now the team's examples
    fetched: int = 0  # arXiv papers fetched from arXiv because the store did not have them
    other: int = 0  # entries without an arXiv id, stored from their own title and abstract
    new_examples: int = 0
    skipped: int = 0  # entries without an arXiv id and without title + abstract
    unknown: list[str] = field(default_factory=list)  # arXiv ids neither arXiv nor the file could describe
    arxiv_down: str = ""  # why arXiv could not be asked (then file metadata was used where it had a title)


def other_key(ref: Reference) -> str:
    """The papers-table key of an entry that is not on arXiv: its DOI, else a hash of its title."""
    if ref.doi.strip():
        return DOI_KEY + ref.doi.strip().lower()
    return REF_KEY + hashlib.sha1(" ".join(ref.title.lower().split()).encode()).hexdigest()[:16]


def _from_file(ref: Reference, key: str) -> Paper:
    return Paper(key, ref.title, ref.abstract, ref.authors)


async def import_reading_list(deps: Deps, team: str, upload: Upload, *, added_by: str) -> ImportReport:
    """Parse the file, store its papers, label them +1 for the team; ReadingListError when it is not a list."""
    refs = distinct(await asyncio.to_thread(parse_reading_list, upload.data, upload.filename))
    report = ImportReport(upload.filename, entries=len(refs))
    with_id = {r.arxiv_id: r for r in refs if r.arxiv_id}
    known = await deps.store.call(paper_store.stored_ids, list(with_id))
    wanted = [i for i in with_id if i not in known]
    fetched: dict[str, Paper] = {}
    if wanted:
        try:
            fetched = {p.arxiv_id: p for p in await deps.need_source().fetch(wanted)}
        except UpstreamError as e:
            report.arxiv_down = e.detail or str(e)
            log.warning("import %s: arXiv did not answer (%s); using the file's own titles", upload.filename, e)
    new_papers: list[Paper] = list(fetched.values())
    report.fetched = len(fetched)
    for arxiv_id in wanted:
        ref = with_id[arxiv_id]
        if arxiv_id in fetched:
            continue
        if ref.title:
            new_papers.append(_from_file(ref, arxiv_id))
        else:
            report.unknown.append(arxiv_id)
    keys = [i for i in with_id if i not in report.unknown]
    for ref in refs:
        if ref.arxiv_id:
            continue
        if ref.title and ref.abstract:
            key = other_key(ref)
            new_papers.append(_from_file(ref, key))
            keys.append(key)
            report.other += 1
        else:
            report.skipped += 1
    await deps.store.call(paper_store.upsert_papers, new_papers)
    report.stored = len(dict.fromkeys(keys))
    report.new_examples = await deps.store.call(examples.add_examples, team, keys, source=f"import:{upload.filename}",
                                                added_by=added_by)
    return report


def _n(count: int, one: str, many: str = "") -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def report_lines(r: ImportReport, *, team: str) -> list[str]:
    """The report in a few sentences."""
    lines = [f"Imported {r.stored} of {_n(r.entries, 'entry', 'entries')} of {r.filename} as "
             f"the positive examples of {team} ({r.new_examples} new)."]
    if r.fetched:
        lines.append(f"{_n(r.fetched, 'arXiv paper')} fetched from arXiv (one request per 100, 3 s apart).")
    if r.other:
        lines.append(f"{_n(r.other, 'paper')} without an arXiv id stored from its title and abstract.")
    if r.skipped:
        lines.append(f"Skipped {r.skipped} without an arXiv id and without both a title and an abstract.")
    if r.unknown:
        shown = ", ".join(r.unknown[:10]) + (" …" if len(r.unknown) > 10 else "")
        lines.append(f"Unknown to arXiv and untitled in the file: {shown}.")
    if r.arxiv_down:
        lines.append(f"arXiv did not answer ({r.arxiv_down}): the file's own titles were used; import again "
                     "later to get arXiv's abstracts.")
    return lines
