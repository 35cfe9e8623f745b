"""TF-IDF over stored hashed term rows: weighting with corpus document frequencies, and cosine ranking.

Pure functions on scipy/numpy: the document frequencies come from the store (storage.term_index), the
rows from bot.core.features. The weighting is scikit-learn's TfidfTransformer's (sublinear tf, smooth
idf, L2 norm; tests check they agree) with the idf taken from the whole store instead of being
fitted on the rows at hand, and computed here because it runs on every `/papers like`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy import sparse


@dataclass(frozen=True)
class DocFreqs:
    """How many stored rows there are, and how many of them have each column."""

    docs: int
    df: np.ndarray  # int32, one per column

    @cached_property
    def idf_all(self) -> np.ndarray:
        """Smooth idf of every column, ln((1 + docs) / (1 + df)) + 1 as scikit-learn computes it (float32)."""
        idf = self.df.astype(np.float32)  # in place from here: float64 temporaries of 2**20 would cost 30 MB
        idf += 1.0
        np.divide(np.float32(1.0 + self.docs), idf, out=idf)
        np.log(idf, out=idf)
        idf += 1.0
        return idf

    def idf(self, cols: np.ndarray) -> np.ndarray:
        """Smooth idf of these columns."""
        return self.idf_all[cols]


def tfidf(rows: sparse.csr_matrix, freqs: DocFreqs) -> sparse.csr_matrix:
    """Rows of counts as L2-normalised TF-IDF: (1 + ln count) x idf."""
    out = rows.astype(np.float32, copy=True).tocsr()
    out.data = (1.0 + np.log(np.maximum(out.data, 1.0))) * freqs.idf(out.indices)
    # Row norms by hand: sklearn.preprocessing.normalize validates its input at ~1 ms a call.
    per_row = np.repeat(np.arange(out.shape[0]), np.diff(out.indptr))
    norms = np.sqrt(np.bincount(per_row, weights=out.data.astype(np.float64) ** 2, minlength=out.shape[0]))
    out.data /= np.where(norms > 0, norms, 1.0)[per_row].astype(np.float32)
    return out


def top_columns(row: sparse.csr_matrix, k: int, *, min_df: int = 2, freqs: DocFreqs) -> np.ndarray:
    """The `k` columns of a weighted one-row matrix with the highest weights, among those in >= `min_df` rows."""
    cols, w = row.indices, row.data
    keep = freqs.df[cols] >= min_df
    cols, w = cols[keep], w[keep]
    if len(cols) > k:
        part = np.argpartition(-w, k - 1)[:k]
        cols, w = cols[part], w[part]
    return cols[np.argsort(-w, kind="stable")]


def cosine_ranking(query: sparse.csr_matrix, candidates: sparse.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """Candidate row numbers by cosine with the (weighted, normalised) query row, best first, and the cosines."""
    if candidates.shape[0] == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    dense = np.zeros(query.shape[1], dtype=np.float32)
    dense[query.indices] = query.data
    sims = candidates @ dense  # a dense query: transposing a 2**20-column sparse row costs more than this
    order = np.argsort(-sims, kind="stable")
    return order, sims[order]
