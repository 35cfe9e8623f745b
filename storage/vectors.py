"""Stored paper rows: each paper's hashed term counts (bot.core.features), computed once when it is stored.

A row is kept in `paper_vectors.row` as one BLOB: a format byte, then zlib of the column ids sorted
and split into 16 buckets of 2**16 (uint32 bucket sizes, then each id's low 16 bits as uint16) and
the counts as uint8 (capped at 255; no abstract repeats a term that often): ~590 bytes a paper on the
250k bench store (~210 distinct terms each); any number of rows decode in one pass of numpy calls. Saving a row also keeps the
document frequencies and the inverted index of storage.term_index up to date.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sqlite_utils import Database

from bot.core.features import N_FEATURES, paper_rows
from bot.core.models import Paper
from storage import term_index

FORMAT = 1
_BITS = 16
_BUCKETS = N_FEATURES >> _BITS
_HEAD = 4 * _BUCKETS  # bytes of the bucket sizes
_BATCH = 500  # ids per IN (...) query


def encode(cols: np.ndarray, counts: np.ndarray) -> bytes:
    """One row (sorted column ids and their counts) as a BLOB."""
    sizes = np.bincount(cols >> _BITS, minlength=_BUCKETS).astype("<u4")
    body = (sizes.tobytes() + (cols & 0xFFFF).astype("<u2").tobytes()
            + np.clip(np.rint(counts), 1, 255).astype(np.uint8).tobytes())
    return bytes([FORMAT]) + zlib.compress(body, 6)


def _ranges(first: np.ndarray, length: np.ndarray) -> np.ndarray:
    """The concatenated index ranges [first[i], first[i] + length[i])."""
    before = np.concatenate(([0], np.cumsum(length)[:-1]))
    return np.repeat(first - before, length) + np.arange(int(length.sum()))


def decode(blobs: Sequence[bytes]) -> sparse.csr_matrix:
    """Rows from their BLOBs, one per BLOB, in order (float32 counts, N_FEATURES columns)."""
    if not blobs:
        return sparse.csr_matrix((0, N_FEATURES), dtype=np.float32)
    if any(b[0] != FORMAT for b in blobs):
        raise ValueError("unknown paper row format")
    bodies = [zlib.decompress(b[1:]) for b in blobs]
    lens = np.array([len(b) for b in bodies], dtype=np.int64)
    n = (lens - _HEAD) // 3
    starts = np.concatenate(([0], np.cumsum(lens)[:-1])).astype(np.int64)
    buf = np.frombuffer(b"".join(bodies), dtype=np.uint8)
    # All rows at once: per-row numpy calls cost more than the arithmetic for a pool of a few hundred.
    sizes = buf[starts[:, None] + np.arange(_HEAD)].view("<u4").ravel()
    high = np.repeat(np.tile(np.arange(_BUCKETS, dtype=np.int32) << _BITS, len(bodies)), sizes)
    low = buf[_ranges(starts + _HEAD, 2 * n)].view("<u2")
    counts = buf[_ranges(starts + _HEAD + 2 * n, n)].astype(np.float32)
    indptr = np.concatenate(([0], np.cumsum(n)))
    return sparse.csr_matrix((counts, high | low, indptr), shape=(len(blobs), N_FEATURES))


def _chunks(items: Sequence, size: int = _BATCH) -> list[Sequence]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def _select(db: Database, sql: str, keys: Sequence) -> list[tuple]:
    """Run `sql` (with one `{}` for the IN list) over `keys` in batches."""
    out: list[tuple] = []
    for part in _chunks(list(keys)):
        out += db.execute(sql.format(",".join("?" * len(part))), list(part)).fetchall()
    return out


def save_rows(db: Database, ids: Sequence[str], rows: sparse.csr_matrix) -> None:
    """Store (or replace) the rows of these papers (distinct ids); document frequencies and the index follow."""
    if not len(ids):
        return
    if len(set(ids)) != len(ids):  # a paper counted twice would skew its columns' document frequencies
        raise ValueError("save_rows needs distinct paper ids")
    rows = rows.tocsr().astype(np.float32)
    rows.sort_indices()
    with db.atomic():
        old = {a: (v, b) for v, a, b in _select(db, "SELECT id, arxiv_id, row FROM paper_vectors "
                                                    "WHERE arxiv_id IN ({})", ids)}
        before = decode([b for _, b in old.values()]) if old else None
        if before is not None:
            for i, (vec, _) in enumerate(old.values()):
                term_index.unpost(db, vec, before.indices[before.indptr[i]:before.indptr[i + 1]])
        blobs = [encode(rows.indices[rows.indptr[i]:rows.indptr[i + 1]], rows.data[rows.indptr[i]:rows.indptr[i + 1]])
                 for i in range(len(ids))]
        db.conn.executemany("INSERT INTO paper_vectors (arxiv_id, row) VALUES (?, ?) "
                            "ON CONFLICT (arxiv_id) DO UPDATE SET row = excluded.row", list(zip(ids, blobs, strict=True)))
        term_index.add_counts(db, *term_index.column_delta(rows, before), docs=len(set(ids) - set(old)))
        vec_of = dict((a, v) for v, a in _select(db, "SELECT id, arxiv_id FROM paper_vectors WHERE arxiv_id IN ({})", ids))
        term_index.post(db, [vec_of[a] for a in ids], rows, term_index.doc_freqs(db))


def load_rows(db: Database, ids: Sequence[str]) -> tuple[list[str], sparse.csr_matrix]:
    """The stored rows of those of `ids` that have one: (their ids, in the given order; the rows)."""
    found = dict(_select(db, "SELECT arxiv_id, row FROM paper_vectors WHERE arxiv_id IN ({})", ids))
    have = [a for a in dict.fromkeys(ids) if a in found]
    return have, decode([found[a] for a in have])


def rows_by_vec(db: Database, vecs: Sequence[int]) -> tuple[list[str], sparse.csr_matrix]:
    """Rows by their paper_vectors ids: (arXiv ids, rows), in the given order."""
    found = {v: (a, b) for v, a, b in _select(db, "SELECT id, arxiv_id, row FROM paper_vectors WHERE id IN ({})",
                                              [int(v) for v in vecs])}
    have = [int(v) for v in vecs if int(v) in found]
    return [found[v][0] for v in have], decode([found[v][1] for v in have])


def vectorise(db: Database, papers: Sequence[Paper]) -> int:
    """Compute and store the rows of these papers; returns how many."""
    if papers:
        save_rows(db, [p.arxiv_id for p in papers], paper_rows(papers))
    return len(papers)


def needing_rows(db: Database, papers: Sequence[Paper]) -> list[Paper]:
    """Those of `papers` that are new, have another title or abstract than stored, or have no row yet."""
    stored = {a: (t, ab, has) for a, t, ab, has in _select(
        db, "SELECT p.arxiv_id, p.title, p.abstract, v.id IS NOT NULL FROM papers p "
            "LEFT JOIN paper_vectors v USING (arxiv_id) WHERE p.arxiv_id IN ({})", [p.arxiv_id for p in papers])}
    latest = {p.arxiv_id: p for p in papers}  # the last of duplicates is what gets stored
    return [p for a, p in latest.items() if stored.get(a) != (p.title, p.abstract, 1)]


def rows_for(db: Database, paper: Paper) -> sparse.csr_matrix:
    """One paper's row: the stored one, else computed (and stored when the paper is)."""
    have, rows = load_rows(db, [paper.arxiv_id])
    if have:
        return rows
    if db.execute("SELECT 1 FROM papers WHERE arxiv_id = ?", [paper.arxiv_id]).fetchone():
        vectorise(db, [paper])
        return load_rows(db, [paper.arxiv_id])[1]
    return paper_rows([paper])


def fill_missing(db: Database, *, limit: int = 500, below: int | None = None) -> tuple[int, int | None]:
    """Vectorise up to `limit` stored papers without a row, newest first: (how many, `below` for the next batch).

    The second value is None once no paper is left; passing it back skips the papers already looked
    at, so upgrading a whole store reads each paper once.
    """
    if below is None and missing_count(db) == 0:
        return 0, None
    found = db.execute("SELECT p.rowid, p.arxiv_id, p.title, p.abstract FROM papers p WHERE p.rowid < ? AND NOT EXISTS "
                       "(SELECT 1 FROM paper_vectors v WHERE v.arxiv_id = p.arxiv_id) ORDER BY p.rowid DESC LIMIT ?",
                       [below if below is not None else 2**63 - 1, limit]).fetchall()
    vectorise(db, [Paper(arxiv_id=a, title=t, abstract=ab) for _, a, t, ab in found])
    return len(found), (found[-1][0] if len(found) == limit else None)


def missing_count(db: Database) -> int:
    """How many stored papers have no row yet (papers are never deleted, and every row is a stored paper's)."""
    docs = db.execute("SELECT docs FROM term_df_meta WHERE id = 1").fetchone()[0]
    return db.execute("SELECT count(*) FROM papers").fetchone()[0] - docs
