"""Exports of a team's picks as BibTeX, CSV or a JSON document: pure text formatting, no I/O.

Used by `paperbot export` and meant for a chat command exporting a period's picks.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.core.models import Paper, Pick

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_SPECIALS = {"\\": r"\textbackslash{}", "$": r"\$", "&": r"\&", "%": r"\%", "#": r"\#", "_": r"\_",
             "^": r"\^{}", "~": r"\~{}"}
_NEW_ID = re.compile(r"^(\d{2})(\d{2})\.\d{4,5}$")  # 2601.18089: January 2026
_OLD_ID = re.compile(r"^[a-z-]+(?:\.[A-Z]{2})?/(\d{2})(\d{2})\d{3}$")  # hep-th/9901001: January 1999


@dataclass(frozen=True, slots=True)
class PickEntry:
    """One pick of one digest day, as exported."""

    team: str
    day: str
    rank: int
    pick: Pick


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += (ch == "{") - (ch == "}")
        if depth < 0:
            return False
    return depth == 0


def _escape_text(text: str) -> str:
    # BibTeX counts every brace, escaped or not: \{ \} keep a balanced text balanced; a stray brace needs
    # the brace-free form.
    balanced = _balanced(text)
    out = []
    for ch in text:
        if ch in "{}":
            out.append("\\" + ch if balanced else (r"\textbraceleft{}" if ch == "{" else r"\textbraceright{}"))
        else:
            out.append(_SPECIALS.get(ch, ch))
    return "".join(out)


def _safe_math(segment: str) -> bool:
    return (bool(segment.strip()) and _balanced(segment) and not segment.endswith("\\")
            and not any(c in segment for c in "%#\n"))


def latex_escape(text: str) -> str:
    """Text safe inside a BibTeX/LaTeX value: specials escaped, braces balanced; `$math$` kept when sound."""
    text = " ".join(text.split())
    parts = text.split("$")
    if len(parts) > 1 and len(parts) % 2 == 1 and all(_safe_math(m) for m in parts[1::2]):
        return "".join(_escape_text(p) if i % 2 == 0 else f"${p}$" for i, p in enumerate(parts))
    return _escape_text(text)


def bibtex_key(paper: Paper) -> str:
    """A citation key from the arXiv id, unique per paper: arXiv:2601.18089."""
    return "arXiv:" + re.sub(r"[^A-Za-z0-9.:_-]", "_", paper.arxiv_id)


def year_month(paper: Paper) -> tuple[str, str]:
    """(year, month macro) of the first version: the published date, else what the arXiv id encodes."""
    if re.match(r"^\d{4}-\d{2}", paper.published):
        return paper.published[:4], MONTHS[int(paper.published[5:7]) - 1]
    m = _NEW_ID.match(paper.arxiv_id) or _OLD_ID.match(paper.arxiv_id)
    if not m:
        return "", ""
    yy, mm = int(m.group(1)), int(m.group(2))
    return str(2000 + yy if yy < 91 else 1900 + yy), MONTHS[mm - 1] if 1 <= mm <= 12 else ""


def _author(name: str) -> str:
    escaped = latex_escape(name)
    # " and " separates names in BibTeX: a name that contains the word is kept whole in braces.
    return "{" + escaped + "}" if re.search(r"\band\b", escaped, re.IGNORECASE) else escaped


def bibtex_entry(paper: Paper) -> str:
    """One @misc entry in arXiv's own export style (eprint, archivePrefix, primaryClass, url)."""
    year, month = year_month(paper)
    fields: list[tuple[str, str]] = [("title", "{{" + latex_escape(paper.title) + "}}")]
    authors = [a for a in (" ".join(a.split()) for a in paper.authors) if a]
    if authors:
        fields.append(("author", "{" + " and ".join(_author(a) for a in authors) + "}"))
    if year:
        fields.append(("year", "{" + year + "}"))
    if month:
        fields.append(("month", month))  # a macro, unbraced
    fields += [("eprint", "{" + latex_escape(paper.arxiv_id) + "}"), ("archivePrefix", "{arXiv}")]
    if paper.primary_category:
        fields.append(("primaryClass", "{" + latex_escape(paper.primary_category) + "}"))
    fields.append(("url", "{" + paper.abs_url + "}"))
    body = ",\n".join(f"  {name} = {value}" for name, value in fields)
    return f"@misc{{{bibtex_key(paper)},\n{body}\n}}\n"


def to_bibtex(papers: Iterable[Paper]) -> str:
    """A .bib file: one entry per distinct paper, in the order given."""
    seen: set[str] = set()
    entries = []
    for p in papers:
        if p.arxiv_id not in seen:
            seen.add(p.arxiv_id)
            entries.append(bibtex_entry(p))
    return "\n".join(entries)


CSV_COLUMNS = ("team", "day", "rank", "arxiv_id", "title", "authors", "categories", "relevance", "novelty",
               "votes", "author_match", "comment", "url")


def _cell(text: str) -> str:
    # A cell starting with = + - @ is a formula to spreadsheet programs: a quote keeps it text (OWASP).
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(entries: Sequence[PickEntry]) -> str:
    """One row per pick (RFC 4180), columns CSV_COLUMNS; lists are joined with '; '."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(CSV_COLUMNS)
    for e in entries:
        p, s = e.pick.paper, e.pick.score
        w.writerow([e.team, e.day, e.rank, p.arxiv_id, _cell(p.title), _cell("; ".join(p.authors)),
                    "; ".join(p.categories), _num(s.relevance), _num(s.novelty), e.pick.votes,
                    int(s.author_match), _cell(s.comment), p.abs_url])
    return buf.getvalue()


def _num(v: float | None) -> str:
    return "" if v is None else f"{v:g}"


def paper_record(p: Paper) -> dict[str, Any]:
    """A paper as a JSON object."""
    return {"arxiv_id": p.arxiv_id, "title": p.title, "authors": list(p.authors), "categories": list(p.categories),
            "published": p.published, "abstract": p.abstract, "url": p.abs_url}


def pick_record(e: PickEntry) -> dict[str, Any]:
    """A pick as a JSON object (its paper is in the document's `papers`)."""
    s = e.pick.score
    return {"team": e.team, "day": e.day, "rank": e.rank, "arxiv_id": e.pick.paper.arxiv_id,
            "relevance": s.relevance, "novelty": s.novelty, "comment": s.comment, "author_match": s.author_match,
            "scorer": s.scorer, "votes": e.pick.votes}


def to_json(*, picks: Sequence[PickEntry], papers: Sequence[Paper], votes: Sequence[dict[str, Any]],
            criteria_history: Sequence[dict[str, Any]], teams: Sequence[str], exported_at: str) -> str:
    """The JSON document: format tag, teams, papers, picks, votes and criteria history."""
    doc = {"format": "paperbot-export", "version": 1, "exported_at": exported_at, "teams": list(teams),
           "papers": [paper_record(p) for p in papers], "picks": [pick_record(e) for e in picks],
           "votes": list(votes), "criteria_history": list(criteria_history)}
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"
