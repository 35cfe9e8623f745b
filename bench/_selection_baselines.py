"""Textbook rankers the no-key ranker is compared with, on the same days: scikit-learn, off the shelf.

- TF-IDF cosine: each candidate's title + abstract against the criteria text (zero-shot);
- logistic regression on TF-IDF, trained on every replayed day before the reported one (retrained
  every `RETRAIN` reported days, never on the day itself or later);
- the ceiling: a ranker that puts every pick first (a day with more than 50 picks cannot reach 1).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from _selection_data import Data, is_target
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics.pairwise import cosine_similarity

from bot.core.models import Criteria, Paper

K = 50
RETRAIN = 5  # reported days between two fits of the logistic regression


def text(p: Paper) -> str:
    """What both baselines read of a paper."""
    return f"{p.title}. {p.abstract}"


def hits(scores: np.ndarray, papers: Sequence[Paper], targets: set[str], k: int = K) -> int:
    """Targets among the k best scores."""
    top = np.argsort(-scores, kind="stable")[:k]
    return sum(1 for i in top if papers[i].arxiv_id in targets)


def tfidf_cosine(data: Data, criteria: Criteria, days: Sequence[str]) -> dict[str, int]:
    """Hits@50 per day of TF-IDF cosine similarity to the criteria text (the vocabulary: that day's papers)."""
    query = " ".join([criteria.topics, *criteria.keywords])
    out = {}
    for d in days:
        day = data.day(d)
        vec = TfidfVectorizer(stop_words="english", sublinear_tf=True)
        x = vec.fit_transform([text(p) for p in day.papers])
        out[d] = hits(cosine_similarity(x, vec.transform([query])).ravel(), day.papers, day.targets)
    return out


def logistic(data: Data, days: Sequence[str]) -> dict[str, int]:
    """Hits@50 per day of a TF-IDF logistic regression trained only on the days before it."""
    out: dict[str, int] = {}
    model: tuple[TfidfVectorizer, LogisticRegression] | None = None
    for n, d in enumerate(sorted(days)):
        if model is None or n % RETRAIN == 0:
            model = _fit(data, until=d)
        vec, lr = model
        day = data.day(d)
        out[d] = hits(lr.decision_function(vec.transform([text(p) for p in day.papers])), day.papers, day.targets)
    return out


def _fit(data: Data, *, until: str) -> tuple[TfidfVectorizer, LogisticRegression]:
    """The pipeline fitted on every replayed day strictly before `until`: picks vs the rest."""
    before = sorted({r["digest_date"] for r in data.scored if r["digest_date"] < until})
    papers, labels = [], []
    for d in before:
        day = data.day(d)
        if len(day.papers) == len(day.picks):
            continue  # no background that day (before the listing crawl): nothing to learn "not picked" from
        papers.extend(day.papers)
        labels.extend(1 if p.arxiv_id in day.targets else 0 for p in day.papers)
    vec = TfidfVectorizer(stop_words="english", sublinear_tf=True, min_df=2, ngram_range=(1, 2))
    lr = LogisticRegression(max_iter=2000, class_weight="balanced")
    lr.fit(vec.fit_transform([text(p) for p in papers]), np.array(labels))
    return vec, lr


def ceiling(data: Data, days: Sequence[str]) -> dict[str, int]:
    """Hits@50 per day of a perfect ranker."""
    return {d: min(K, sum(1 for r in data.scored if r["digest_date"] == d and is_target(r))) for d in days}
