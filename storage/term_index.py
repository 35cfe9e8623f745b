"""Corpus statistics of the stored paper rows: document frequencies per column, and an inverted index.

`term_df` keeps the document frequency of each of the 2**20 hashed columns as int32 BLOB chunks of
1,024 columns; writers add deltas to the chunks they touch, readers load the whole vector (4 MB) once
and reuse it until `term_df_meta.generation` changes. `term_postings` holds, for each row, its
`POSTED` most telling columns (TF-IDF at write time, columns of a single row left out): looking up a
paper's own best columns there finds the papers sharing them without reading every posting of a
common word.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sqlite_utils import Database

from bot.core.features import N_FEATURES
from bot.core.similarity import DocFreqs, tfidf, top_columns

CHUNK = 1024  # columns per term_df row: one 4 KB BLOB, a page of SQLite
POSTED = 24  # columns of each row in the inverted index
_cache: dict[int, DocFreqs] = {}  # generation -> its document frequencies (generations are random)


def doc_freqs(db: Database) -> DocFreqs:
    """The stored rows' count and document frequencies (cached until the next write)."""
    docs, generation = db.execute("SELECT docs, generation FROM term_df_meta WHERE id = 1").fetchone()
    cached = _cache.get(generation)
    if cached is not None and generation:
        return cached
    df = np.zeros(N_FEATURES, dtype=np.int32)
    for chunk, blob in db.execute("SELECT chunk, counts FROM term_df"):
        df[chunk * CHUNK:(chunk + 1) * CHUNK] = np.frombuffer(blob, dtype="<i4")
    freqs = DocFreqs(int(docs), df)
    if len(_cache) >= 4:
        _cache.pop(next(iter(_cache)))
    _cache[generation] = freqs
    return freqs


def presence(rows: sparse.csr_matrix) -> np.ndarray:
    """How many of these rows have each column (int64, N_FEATURES long)."""
    return np.bincount(rows.indices, minlength=N_FEATURES).astype(np.int64)


def add_counts(db: Database, delta: np.ndarray, docs: int) -> None:
    """Add `delta` to the document frequencies and `docs` to the number of rows; a new generation."""
    touched = np.flatnonzero(np.add.reduceat(np.abs(delta), np.arange(0, N_FEATURES, CHUNK)))
    if len(touched):
        marks = ",".join("?" * len(touched))
        old = dict(db.execute(f"SELECT chunk, counts FROM term_df WHERE chunk IN ({marks})",  # noqa: S608 - "?" marks
                              [int(c) for c in touched]).fetchall())
        rows = []
        for c in touched:
            cur = np.frombuffer(old[c], dtype="<i4") if c in old else np.zeros(CHUNK, dtype="<i4")
            new = (cur + delta[c * CHUNK:(c + 1) * CHUNK]).astype("<i4")
            rows.append((int(c), new.tobytes()))
        db.conn.executemany("INSERT OR REPLACE INTO term_df (chunk, counts) VALUES (?, ?)", rows)
    db.execute("UPDATE term_df_meta SET docs = docs + ?, generation = ? WHERE id = 1",
               [docs, secrets.randbits(62) + 1])


def post(db: Database, vecs: Sequence[int], rows: sparse.csr_matrix, freqs: DocFreqs) -> None:
    """Index each row (its paper_vectors id in `vecs`) under its POSTED best columns."""
    weighted = tfidf(rows, freqs)
    pairs = [(int(c), int(v)) for v, i in zip(vecs, range(weighted.shape[0]), strict=True)
             for c in top_columns(weighted[i], POSTED, freqs=freqs)]
    db.conn.executemany("INSERT OR IGNORE INTO term_postings (col, vec) VALUES (?, ?)", pairs)


def unpost(db: Database, vec: int, cols: np.ndarray) -> None:
    """Remove a row's postings (any of `cols`, the columns it had)."""
    db.conn.executemany("DELETE FROM term_postings WHERE col = ? AND vec = ?", [(int(c), vec) for c in cols])


def posted(db: Database, cols: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """(vec ids, columns) of every posting under these columns."""
    if not len(cols):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    marks = ",".join("?" * len(cols))
    found = db.execute(f"SELECT vec, col FROM term_postings WHERE col IN ({marks})",  # noqa: S608 - "?" marks
                       [int(c) for c in cols]).fetchall()
    arr = np.array(found, dtype=np.int64).reshape(-1, 2)
    return arr[:, 0], arr[:, 1]
