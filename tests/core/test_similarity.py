"""TF-IDF over stored rows: the same weights as scikit-learn's, and cosine ranking."""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import TfidfTransformer

from bot.core.features import N_FEATURES, paper_rows
from bot.core.models import Paper
from bot.core.similarity import DocFreqs, cosine_ranking, tfidf, top_columns
from tests.handlers.seeding import seed_paper, seed_rows


def _rows_and_freqs():
    rows = paper_rows(seed_paper(r) for r in seed_rows())
    return rows, DocFreqs(rows.shape[0], np.bincount(rows.indices, minlength=N_FEATURES).astype(np.int32))


def test_weights_equal_scikit_learns_tfidf_with_the_same_document_frequencies() -> None:
    rows, freqs = _rows_and_freqs()
    expected = TfidfTransformer(sublinear_tf=True, smooth_idf=True, norm="l2").fit_transform(rows)
    got = tfidf(rows, freqs)
    assert abs(got - expected).max() < 1e-5
    assert np.allclose(np.sqrt(got.multiply(got).sum(axis=1)), 1.0, atol=1e-5)


def test_top_columns_are_the_heaviest_shared_ones() -> None:
    rows, freqs = _rows_and_freqs()
    w = tfidf(rows[:1], freqs)
    top = top_columns(w, 5, freqs=freqs)
    assert len(top) == 5 and all(freqs.df[c] >= 2 for c in top)
    shared = [c for c in w.indices if freqs.df[c] >= 2]
    weight = dict(zip(w.indices.tolist(), w.data.tolist(), strict=True))
    assert sorted((weight[c] for c in top), reverse=True) == sorted((weight[c] for c in shared), reverse=True)[:5]


def test_cosine_ranking_puts_the_same_text_first() -> None:
    rows, freqs = _rows_and_freqs()
    weighted = tfidf(rows, freqs)
    query = tfidf(paper_rows([Paper("x", "LatentMoE: Toward Optimal Accuracy per FLOP and Parameter in Mixture "
                                         "of Experts")]), freqs)
    order, sims = cosine_ranking(query, weighted)
    assert seed_rows()[order[0]]["arxiv_id"] == "2601.18089"
    assert list(sims) == sorted(sims, reverse=True)
    assert cosine_ranking(query, weighted[:0])[0].size == 0


def test_no_papers_give_an_empty_matrix_not_a_stopiteration() -> None:
    # scikit-learn's FeatureHasher raises StopIteration on an empty input; inside asyncio.to_thread that hung
    # `paperbot daily` for a team without history forever.
    rows = paper_rows([])
    assert rows.shape == (0, N_FEATURES)
