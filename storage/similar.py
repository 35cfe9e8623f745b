"""Papers similar to a paper: candidates from the inverted index of stored rows, ranked by TF-IDF cosine.

Nothing is tokenised per query but the paper itself when it has no stored row yet: the paper's row
is weighted with the store's document frequencies (storage.term_index), its best columns are looked
up in the inverted index, the papers sharing the most of them (by weight) form a pool of `pool`, and
their stored rows are ranked by cosine with the paper's.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from sqlite_utils import Database

from bot.core.models import Paper
from bot.core.similarity import cosine_ranking, tfidf, top_columns
from storage import term_index, vectors
from storage.papers import get_papers

QUERY_COLUMNS = 128  # the paper's best columns looked up in the index (64 found .83 of the exact top 10, not .91)


def _pool(db: Database, query: sparse.csr_matrix, cols: np.ndarray, pool: int) -> np.ndarray:
    """Vec ids of the `pool` papers sharing the most query weight among the indexed columns."""
    vecs, hit = term_index.posted(db, cols)
    if not len(vecs):
        return vecs
    weights = query.data[np.searchsorted(query.indices, hit)]  # query.indices are sorted
    uniq, inverse = np.unique(vecs, return_inverse=True)
    score = np.bincount(inverse, weights=weights)
    if len(uniq) > pool:
        keep = np.argpartition(-score, pool - 1)[:pool]
        uniq, score = uniq[keep], score[keep]
    return uniq[np.lexsort((uniq, -score))]


def similar_papers(db: Database, paper: Paper, *, limit: int = 50, pool: int = 500) -> list[tuple[Paper, float]]:
    """Stored papers most similar to `paper` (never itself), with a 0-1 cosine similarity, best first."""
    freqs = term_index.doc_freqs(db)
    query = tfidf(vectors.rows_for(db, paper), freqs)
    query.sort_indices()
    cols = top_columns(query, QUERY_COLUMNS, freqs=freqs)
    ids, rows = vectors.rows_by_vec(db, _pool(db, query, cols, pool + 1))
    keep = [i for i, a in enumerate(ids) if a != paper.arxiv_id]
    ids, rows = [ids[i] for i in keep], rows[keep]
    order, sims = cosine_ranking(query, tfidf(rows, freqs))
    ranked = sorted(((ids[i], float(s)) for i, s in zip(order, sims, strict=True) if s > 0),
                    key=lambda x: (-round(x[1], 6), x[0]))[:limit]
    found = get_papers(db, [a for a, _ in ranked])
    return [(found[a], s) for a, s in ranked if a in found]
