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
_cache: dict[int, DocFreqs] = {}  # the latest generation read -> its document frequencies (generations are random)


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
    _cache.clear()  # one store per process: an older generation is only memory (8 MB with its idf)
    _cache[generation] = freqs
    return freqs


def column_delta(added: sparse.csr_matrix, removed: sparse.csr_matrix | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(columns, change of their document frequency) when rows `added` replace rows `removed`; no zeros."""
    cols = added.indices if removed is None else np.concatenate([added.indices, removed.indices])
    sign = np.ones(len(added.indices), dtype=np.int32)
    if removed is not None:
        sign = np.concatenate([sign, -np.ones(len(removed.indices), dtype=np.int32)])
    uniq, inverse = np.unique(cols, return_inverse=True)  # sparse: no 2**20-long arrays on the write path
    change = np.bincount(inverse, weights=sign, minlength=len(uniq)).astype(np.int32)
    keep = change != 0
    return uniq[keep], change[keep]


def add_counts(db: Database, cols: np.ndarray, change: np.ndarray, docs: int) -> None:
    """Add `change` to the document frequencies of `cols` (sorted) and `docs` to the number of rows."""
    chunk_of = cols // CHUNK
    starts = np.flatnonzero(np.diff(chunk_of, prepend=-1))  # cols are sorted: each chunk's run starts here
    touched = [int(c) for c in chunk_of[starts]]
    if touched:
        marks = ",".join("?" * len(touched))
        old = dict(db.execute(f"SELECT chunk, counts FROM term_df WHERE chunk IN ({marks})",  # noqa: S608 - "?" marks
                              touched).fetchall())
        rows = []
        for c, at, ch in zip(touched, np.split(cols % CHUNK, starts[1:]), np.split(change, starts[1:]), strict=True):
            cur = np.frombuffer(old[c], dtype="<i4").copy() if c in old else np.zeros(CHUNK, dtype="<i4")
            cur[at] += ch  # each column once per call: column_delta's output
            rows.append((c, cur.tobytes()))
        db.conn.executemany("INSERT OR REPLACE INTO term_df (chunk, counts) VALUES (?, ?)", rows)
    # A new generation: readers holding the old vector reload it.
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
