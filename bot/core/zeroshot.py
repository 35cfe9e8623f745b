"""The criteria score: how well a paper matches the team's written criteria, with no history at all.

Two steps. BM25 (Okapi, over the hashed term rows) of each paper against the criteria terms —
keywords weigh more, "Irrelevant:" lines count against. Then self-training: a logistic regression
learns, from the pool's own papers, what the best BM25 matches have in common beyond the criteria's
words (a paper on "expert routing" that never says "mixture of experts"), with the best-matching
tenth of the pool as positives and the worse half as negatives. The pool is the day's papers plus
recent unlabelled papers from the store, so the words it learns are the field's current words.

Measured (bench/selection.py, rolling days): self-training lifts BM25's recall@50 by ~7 points,
and a pool of ~5 earlier days by ~3 more; scikit-learn does the fitting.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.linear_model import LogisticRegression

from bot.core.features import weighted_row
from bot.core.models import Criteria
from bot.core.textfeat import criteria_terms

BM25_K1, BM25_B = 1.2, 0.75
SELF_TRAIN_TOP, SELF_TRAIN_BOTTOM = 0.10, 0.50  # pseudo-labels: best tenth positive, worse half negative
SELF_TRAIN_ROUNDS = 2
BM25_BLEND = 0.5  # weight of the z-scored BM25 next to the self-trained model's
MIN_POOL = 20  # fewer papers than this: BM25 alone (nothing to learn from)


def zscore(x: np.ndarray) -> np.ndarray:
    """Scores as standard deviations from their mean (0 when they are all equal)."""
    x = np.asarray(x, dtype=np.float64)
    std = x.std()
    return (x - x.mean()) / std if std > 0 else np.zeros_like(x)


def criteria_query(criteria: Criteria) -> sparse.csr_matrix:
    """The criteria as one weighted row of terms (a title match counts in both namespaces)."""
    return weighted_row(criteria_terms(criteria).weights)


def bm25(rows: sparse.csr_matrix, query: sparse.csr_matrix, *, df: np.ndarray, n_docs: int,
         avgdl: float) -> np.ndarray:
    """Okapi BM25 of each row against a weighted query row, with document frequencies `df` over `n_docs`."""
    counts = rows.tocsr().astype(np.float64)
    lengths = np.asarray(counts.sum(axis=1)).ravel()
    norm = BM25_K1 * (1.0 - BM25_B + BM25_B * lengths / (avgdl or 1.0))
    row_of = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
    tf = counts.data * (BM25_K1 + 1.0) / (counts.data + norm[row_of])
    weighted = sparse.csr_matrix((tf, counts.indices, counts.indptr), shape=counts.shape)
    idf = np.log1p((n_docs - df + 0.5) / (df + 0.5))
    return weighted @ (query.toarray().ravel() * idf)


def self_trained(rows: sparse.csr_matrix, prior: np.ndarray, *, rounds: int = SELF_TRAIN_ROUNDS) -> np.ndarray:
    """Scores of a classifier trained on pseudo-labels from `prior`, blended with the prior (z-scored)."""
    n = rows.shape[0]
    features = TfidfTransformer(sublinear_tf=True).fit_transform(rows)
    score = zscore(prior)
    for _ in range(rounds):
        order = np.argsort(-score, kind="stable")
        pos, neg = order[: max(3, int(SELF_TRAIN_TOP * n))], order[int((1 - SELF_TRAIN_BOTTOM) * n):]
        idx = np.concatenate([pos, neg])
        labels = np.concatenate([np.ones(len(pos)), np.zeros(len(neg))])
        model = LogisticRegression(C=1.0, solver="liblinear", max_iter=300).fit(features[idx], labels)
        score = zscore(model.decision_function(features)) + BM25_BLEND * zscore(prior)
    return score


def criteria_scores(criteria: Criteria, rows: sparse.csr_matrix, pool: sparse.csr_matrix | None = None) -> np.ndarray:
    """The criteria score of each row, z-scored over rows + pool: BM25, then self-training on rows + pool."""
    n = rows.shape[0]
    if n == 0:
        return np.zeros(0)
    both = rows if pool is None or pool.shape[0] == 0 else sparse.vstack([rows, pool]).tocsr()
    # Only the columns these papers use: the same scores, without dense arrays of all 2**20 hashed terms
    # (the idf, the classifier's weights and their copies were ~90 MB of a daily run's peak).
    used = np.unique(both.indices)
    both, query = both[:, used], criteria_query(criteria)[:, used]
    df = np.asarray((both > 0).sum(axis=0)).ravel()
    avgdl = float(both.sum()) / both.shape[0]
    prior = bm25(both, query, df=df, n_docs=both.shape[0], avgdl=avgdl)
    if both.shape[0] < MIN_POOL or not np.ptp(prior):
        return zscore(prior)[:n]
    return zscore(self_trained(both, prior))[:n]
