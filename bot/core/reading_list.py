"""Reading lists in: BibTeX (pybtex), RIS (rispy) and Zotero CSV exports, as references with their arXiv ids.

Pure parsing, no I/O. An arXiv id is recognised in an `eprint` field (arXiv's own export style), a DOI
10.48550/arXiv.<id> (how Zotero and DataCite name arXiv papers), an arxiv.org/abs|pdf URL, or an
"arXiv:<id>" note (Zotero writes `note = {arXiv:2601.16725 [cs]}` and an `Extra` column).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

import pybtex.errors
import rispy
from pybtex.database import BibliographyData, Person
from pybtex.database.input.bibtex import Parser
from pybtex.richtext import Text
from pybtex.scanner import PybtexError

from bot.core.models import parse_arxiv_id

FORMATS = ("bibtex", "ris", "csv")
_ID = r"(\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})"
_IN_TEXT = (re.compile(rf"10\.48550/arxiv\.{_ID}", re.IGNORECASE),
            re.compile(rf"arxiv\.org/(?:abs|pdf)/{_ID}", re.IGNORECASE),
            re.compile(rf"\barxiv:\s*{_ID}", re.IGNORECASE))


class ReadingListError(ValueError):
    """The file is not a BibTeX, RIS or Zotero CSV export we can read; the text says why."""


@dataclass(frozen=True, slots=True)
class Reference:
    """One entry of a reading list."""

    arxiv_id: str | None
    title: str
    abstract: str = ""
    authors: tuple[str, ...] = ()
    doi: str = ""


def arxiv_id_in(*fields: str) -> str | None:
    """The first arXiv id in these field values (an id, a 10.48550 DOI, an arXiv URL, "arXiv:<id>")."""
    for value in fields:
        bare = parse_arxiv_id(value.strip()) if value and len(value) < 60 else None
        if bare:
            return bare
        for pattern in _IN_TEXT:
            m = pattern.search(value or "")
            if m and (found := parse_arxiv_id(m.group(1))):
                return found
    return None


def _clean(text: str) -> str:
    return " ".join(text.split())


def _latex(text: str) -> str:
    """LaTeX field text as plain text ({Multi}-{Step} → Multi-Step, {\\"o} → ö); brace-free text if it will not parse."""
    try:
        return _clean(Text.from_latex(text).render_as("text"))
    except (PybtexError, ValueError, IndexError):
        return _clean(text.replace("{", "").replace("}", ""))


def _person(p: Person) -> str:
    return _latex(" ".join(p.first_names + p.middle_names + p.prelast_names + p.last_names))


def _bibtex(text: str) -> list[Reference]:
    try:
        with pybtex.errors.capture():  # a repeated key or a stray field is set aside, not fatal nor printed
            data: BibliographyData = Parser().parse_string(text)
    except PybtexError as e:
        raise ReadingListError(f"not valid BibTeX: {e}") from None
    out = []
    for entry in data.entries.values():
        f = {k.lower(): str(v) for k, v in entry.fields.items()}
        eprint = f.get("eprint", "") if f.get("archiveprefix", f.get("eprinttype", "arxiv")).lower() == "arxiv" else ""
        out.append(Reference(arxiv_id_in(eprint, f.get("doi", ""), f.get("url", ""), f.get("note", ""),
                                         f.get("journal", ""), f.get("howpublished", "")),
                             _latex(f.get("title", "")), _latex(f.get("abstract", "")),
                             tuple(_person(p) for p in entry.persons.get("author", [])), f.get("doi", "")))
    return out


def _ris(text: str) -> list[Reference]:
    try:
        rows: list[dict[str, Any]] = rispy.loads(text)
    except (OSError, ValueError) as e:  # rispy raises IOError for a file that does not start with TY
        raise ReadingListError(f"not valid RIS: {e}") from None
    out = []
    for r in rows:
        texts = [str(r.get("doi", "")), *map(str, r.get("urls") or []), *map(str, _list(r.get("notes"))),
                 str(r.get("id", "")), str(r.get("custom1", ""))]
        authors = _list(r.get("authors")) or _list(r.get("first_authors"))
        out.append(Reference(arxiv_id_in(*texts), _clean(str(r.get("title") or r.get("primary_title") or "")),
                             _clean(str(r.get("abstract") or r.get("notes_abstract") or "")),
                             tuple(_flip(str(a)) for a in authors), str(r.get("doi", ""))))
    return out


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else ([value] if value else [])


def _flip(name: str) -> str:
    """"Huang, Yufeng" → "Yufeng Huang" (RIS and Zotero CSV write last names first)."""
    last, sep, first = name.partition(",")
    return _clean(f"{first} {last}" if sep else name)


def _zotero_csv(text: str) -> list[Reference]:
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "Title" not in reader.fieldnames:
        raise ReadingListError("a CSV file must be a Zotero export, with a Title column")
    out = []
    for r in reader:
        col: Mapping[str, str] = {k: v or "" for k, v in r.items() if k}
        out.append(Reference(arxiv_id_in(col.get("Archive ID", ""), col.get("DOI", ""), col.get("Url", ""),
                                         col.get("Extra", ""), col.get("Number", "")),
                             _clean(col.get("Title", "")), _clean(col.get("Abstract Note", "")),
                             tuple(_flip(a) for a in col.get("Author", "").split(";") if a.strip()),
                             col.get("DOI", "")))
    return out


def detect_format(filename: str, text: str) -> str:
    """bibtex, ris or csv: by the file's extension, else by its first lines."""
    ext = PurePath(filename).suffix.lower()
    by_ext = {".bib": "bibtex", ".bibtex": "bibtex", ".ris": "ris", ".csv": "csv"}
    if ext in by_ext:
        return by_ext[ext]
    head = text.lstrip()[:2000]
    if head.startswith("@") or re.search(r"^\s*@\w+\s*[{(]", head, re.MULTILINE):
        return "bibtex"
    if re.match(r"TY {2}- ", head):
        return "ris"
    if head.split("\n", 1)[0].count(",") >= 2:
        return "csv"
    raise ReadingListError(f"{filename or 'the file'} is not BibTeX (.bib), RIS (.ris) or a Zotero CSV export")


def parse_reading_list(data: bytes, filename: str = "") -> list[Reference]:
    """Every entry of a BibTeX, RIS or Zotero CSV file (UTF-8, with or without a byte-order mark)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")  # old exports; every byte decodes, names may look odd but ids survive
    fmt = detect_format(filename, text)
    refs = {"bibtex": _bibtex, "ris": _ris, "csv": _zotero_csv}[fmt](text)
    if not refs:
        raise ReadingListError(f"no entries in it (read as {fmt.upper() if fmt != 'bibtex' else 'BibTeX'})")
    return refs


def distinct(refs: Iterable[Reference]) -> list[Reference]:
    """Each arXiv paper once (the first entry naming it); entries without an id are all kept."""
    seen: set[str] = set()
    out = []
    for r in refs:
        if r.arxiv_id is None or r.arxiv_id not in seen:
            out.append(r)
            if r.arxiv_id:
                seen.add(r.arxiv_id)
    return out
