"""Papers, their full-text cache, the daily listings, and full-text search."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlite_utils import Database

from bot.core.models import ListingEntry, Paper
from storage import vectors
from storage.db import CHUNK, utcnow


def _row(p: Paper) -> dict[str, Any]:
    return {
        "arxiv_id": p.arxiv_id,
        "title": p.title,
        "abstract": p.abstract,
        "authors": json.dumps(list(p.authors), ensure_ascii=False),
        "authors_text": ", ".join(p.authors),
        "categories": json.dumps(list(p.categories)),
        "published": p.published,
        "version": p.version,
        "arxiv_comment": p.arxiv_comment,
        "stored_at": utcnow(),
    }


def paper_from_row(r: dict[str, Any]) -> Paper:
    """Rebuild a Paper from a papers row."""
    return Paper(
        arxiv_id=r["arxiv_id"],
        title=r["title"],
        abstract=r["abstract"],
        authors=tuple(json.loads(r["authors"] or "[]")),
        categories=tuple(json.loads(r["categories"] or "[]")),
        published=r["published"],
        version=r["version"],
        arxiv_comment=r["arxiv_comment"],
    )


def upsert_papers(db: Database, papers: Iterable[Paper]) -> int:
    """Insert or update papers (keeps any cached full text) with their term rows; returns how many were written."""
    papers = list(papers)
    rows = [_row(p) for p in papers]
    for i in range(0, len(rows), CHUNK):
        with db.atomic():
            part = papers[i : i + CHUNK]
            stale = vectors.needing_rows(db, part)  # before the upsert: new papers, or their text changed
            db["papers"].upsert_all(rows[i : i + CHUNK], pk="arxiv_id", batch_size=CHUNK)
            vectors.vectorise(db, stale)  # each paper's term row, computed once
    return len(rows)


def get_paper(db: Database, arxiv_id: str) -> Paper | None:
    """One paper by id, or None."""
    rows = list(db.query("SELECT * FROM papers WHERE arxiv_id = ?", [arxiv_id]))
    return paper_from_row(rows[0]) if rows else None


RANKED = 2000  # search ranks at most this many matches, the stored most recently
_PAPER_COLUMNS = "arxiv_id, title, abstract, authors, categories, published, version, arxiv_comment"


def get_papers(db: Database, ids: Sequence[str]) -> dict[str, Paper]:
    """The stored papers among `ids`, by id (without reading their cached full text)."""
    found: dict[str, Paper] = {}
    for i in range(0, len(ids), 500):
        chunk = list(ids[i : i + 500])
        marks = ",".join("?" * len(chunk))
        sql = f"SELECT {_PAPER_COLUMNS} FROM papers WHERE arxiv_id IN ({marks})"  # noqa: S608 - constant, "?" marks
        found.update((r["arxiv_id"], paper_from_row(r)) for r in db.query(sql, chunk))
    return found


def titles_by_id_prefix(db: Database, prefix: str, *, limit: int = 25) -> list[tuple[str, str]]:
    """(arXiv id, title) of the papers whose id starts with `prefix`, newest id first (for autocomplete)."""
    # A range on the primary key, not LIKE: LIKE cannot use the index and would scan every paper per keystroke.
    rows = db.execute("SELECT arxiv_id, title FROM papers WHERE arxiv_id >= ? AND arxiv_id < ? "
                      "ORDER BY arxiv_id DESC LIMIT ?", [prefix, prefix + "\U0010ffff", limit]).fetchall()
    return [(r[0], r[1]) for r in rows]


def save_listing(db: Database, day: date, entries: Sequence[ListingEntry]) -> int:
    """Store the papers of a day's listing and which announce type each came under."""
    upsert_papers(db, (e.paper for e in entries))
    rows = [
        {"day": day.isoformat(), "arxiv_id": e.paper.arxiv_id, "announce_type": e.announce_type,
         "category": e.paper.primary_category}
        for e in entries
    ]
    for i in range(0, len(rows), CHUNK):
        with db.atomic():
            db["listings"].upsert_all(rows[i : i + CHUNK], pk=("day", "arxiv_id"))
    return len(rows)


def listing_for_day(db: Database, day: date) -> list[ListingEntry]:
    """The stored listing of a day, in stored order."""
    rows = db.query(
        "SELECT p.*, l.announce_type FROM listings l JOIN papers p USING (arxiv_id) WHERE l.day = ? ORDER BY l.rowid",
        [day.isoformat()],
    )
    return [ListingEntry(paper_from_row(r), r["announce_type"]) for r in rows]


def set_full_text(db: Database, arxiv_id: str, text: str) -> None:
    """Cache a paper's full text (from its arXiv HTML page)."""
    db.execute("UPDATE papers SET full_text = ? WHERE arxiv_id = ?", [text, arxiv_id])


def get_full_text(db: Database, arxiv_id: str) -> str | None:
    """The cached full text, if any."""
    rows = list(db.query("SELECT full_text FROM papers WHERE arxiv_id = ?", [arxiv_id]))
    return rows[0]["full_text"] if rows else None


_FTS_SPECIAL = re.compile(r'[^\w\s"*-]', re.UNICODE)


def fts_query(text: str) -> str:
    """Turn user words into a safe FTS5 query: quoted phrases kept, every other term quoted.

    Users type things like `"mixture of experts" Bengio`, `C++`, `OR`, `*` or 2 KB of text; each bare
    word becomes a quoted FTS string so operators and syntax errors cannot come from user input.
    """
    text = text.replace("“", '"').replace("”", '"')
    if text.count('"') % 2:  # an unmatched quote: treat it as a space, keep the words
        i = text.rfind('"')
        text = text[:i] + " " + text[i + 1 :]
    phrases = re.findall(r'"([^"]+)"', text)
    rest = re.sub(r'"[^"]*"', " ", text)
    terms = [t for t in _FTS_SPECIAL.sub(" ", rest).replace("*", " ").split() if t.strip("-")]
    parts = [f'"{p.strip()}"' for p in phrases if p.strip()] + ['"' + t.strip("-") + '"' for t in terms]
    parts = [p.replace('""', '"') for p in parts if p.strip('"').strip()]
    return " ".join(parts[:32])  # cap: 2 KB of text must not become a 400-term query


@dataclass(frozen=True)
class SearchResult:
    """A page of full-text search results."""

    papers: list[Paper]
    total: int  # stored papers that match, counted up to `ranked`
    capped: bool  # more than `ranked` match: only the `ranked` stored most recently were ranked


def search(db: Database, text: str, *, limit: int = 10, offset: int = 0, ranked: int = RANKED) -> SearchResult:
    """Full-text search over title, abstract, authors: a page of the best bm25 matches among the newest `ranked`."""
    q = fts_query(text)
    if not q:
        return SearchResult([], 0, False)
    # bm25 costs ~1.5 us per match and a common word matches half a year's store ("model": 150k papers,
    # ~250 ms): take the newest ranked + 1 matches by rowid first (no ranking, ~1 ms) and rank only those.
    newest = db.execute("SELECT rowid FROM papers_fts WHERE papers_fts MATCH ? ORDER BY rowid DESC LIMIT ?",
                        [q, ranked + 1]).fetchall()
    capped = len(newest) > ranked
    floor = newest[ranked - 1][0] if capped else 0
    # Rank inside the FTS index first and join only the page: joining every match to its paper row
    # before sorting made common words cost ~300 ms on a year of papers.
    rows = db.query(
        f"""SELECT {_PAPER_COLUMNS} FROM (SELECT rowid, bm25(papers_fts, 5.0, 1.0, 2.0) AS r FROM papers_fts
                            WHERE papers_fts MATCH ? AND rowid >= ? ORDER BY r LIMIT ? OFFSET ?) f
           JOIN papers p ON p.rowid = f.rowid ORDER BY f.r""",  # noqa: S608 - a constant column list
        [q, floor, limit, offset],
    )
    return SearchResult([paper_from_row(r) for r in rows], min(len(newest), ranked), capped)


def count_papers(db: Database) -> int:
    """How many papers are stored."""
    return db.execute("SELECT count(*) FROM papers").fetchone()[0]


def stored_ids(db: Database, ids: Sequence[str]) -> set[str]:
    """Which of these paper ids are stored."""
    found: set[str] = set()
    for i in range(0, len(ids), 500):
        chunk = list(ids[i : i + 500])
        marks = ",".join("?" * len(chunk))
        sql = f"SELECT arxiv_id FROM papers WHERE arxiv_id IN ({marks})"  # noqa: S608 - only "?" marks
        found.update(r[0] for r in db.execute(sql, chunk))
    return found


def listing_day_count(db: Database) -> int:
    """How many announcement days are stored (0: an empty store)."""
    return db.execute("SELECT count(DISTINCT day) FROM listings").fetchone()[0]
