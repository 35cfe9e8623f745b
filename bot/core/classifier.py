"""Logistic regression on sparse TF-IDF in pure Python: the half of the local ranker learned from history.

Trained by AdaGrad SGD (a few epochs over a few thousand papers take seconds); the prefilter's
cut-off comes from out-of-fold scores, so its recall is measured on papers the model did not see.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

SGD_EPOCHS, SGD_ETA, SGD_L2 = 4, 0.25, 1e-5  # tuned on tuning days (see bench/README.md)
MIN_DF = 2  # terms seen once carry no generalisable signal and bloat the model

Rows = list[list[tuple[int, float]]]


@dataclass(frozen=True, slots=True)
class Classifier:
    """Logistic regression weights over TF-IDF features, with the IDF table they were trained with."""

    weights: Mapping[str, float]
    bias: float
    idf: Mapping[str, float]

    def logit(self, counts: Mapping[str, int]) -> float:
        """Log-odds for one paper's term counts."""
        vec = tfidf(counts, self.idf)
        return self.bias + sum(self.weights.get(t, 0.0) * v for t, v in vec)


def tfidf(counts: Mapping[str, int], idf: Mapping[str, float]) -> list[tuple[str, float]]:
    """Sublinear TF x IDF, L2-normalised, over the terms the IDF table knows."""
    vec = {t: (1.0 + math.log(c)) * idf[t] for t, c in counts.items() if t in idf}
    norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
    return [(t, v / norm) for t, v in vec.items()]


def vectorise(features: Sequence[Counter[str]]) -> tuple[dict[str, float], dict[str, int], Rows]:
    """(IDF table, term -> column, integer-indexed TF-IDF rows) for a training set."""
    n = len(features)
    df: Counter[str] = Counter()
    for c in features:
        df.update(c.keys())
    idf = {t: math.log((n + 1) / (k + 1)) + 1.0 for t, k in df.items() if k >= MIN_DF}
    index = {t: j for j, t in enumerate(idf)}
    return idf, index, [[(index[t], v) for t, v in tfidf(c, idf)] for c in features]


def train(xs: Sequence[list[tuple[int, float]]], labels: Sequence[int], weights: Sequence[float], dim: int, *,
           epochs: int | None = None, eta: float | None = None, l2: float | None = None,
           seed: int = 0) -> tuple[list[float], float]:
    """Logistic regression by AdaGrad SGD over integer-indexed sparse rows, classes balanced."""
    epochs, eta, l2 = epochs or SGD_EPOCHS, eta or SGD_ETA, SGD_L2 if l2 is None else l2
    n_pos = sum(w for y, w in zip(labels, weights, strict=True) if y)
    n_neg = sum(w for y, w in zip(labels, weights, strict=True) if not y)
    total = n_pos + n_neg
    class_w = (0.5 * total / max(n_neg, 1e-9), 0.5 * total / max(n_pos, 1e-9))
    # Flat lists and local names: this loop is the ranker's hot spot (pure Python, no numpy).
    w = [0.0] * dim
    g2 = [1e-8] * dim
    bias, g2_bias = 0.0, 1e-8
    order = list(range(len(xs)))
    rnd = random.Random(seed)
    sqrt, exp = math.sqrt, math.exp
    for _ in range(epochs):
        rnd.shuffle(order)
        for i in order:
            x, y = xs[i], labels[i]
            z = bias
            for j, v in x:
                z += w[j] * v
            p = 1.0 / (1.0 + exp(-max(-30.0, min(30.0, z))))
            g = (p - y) * class_w[y] * weights[i]
            for j, v in x:
                gt = g * v + l2 * w[j]
                acc = g2[j] + gt * gt
                g2[j] = acc
                w[j] -= eta * gt / sqrt(acc)
            g2_bias += g * g
            bias -= eta * g / sqrt(g2_bias)
    return w, bias


def recall_cutoff(pos_scores: list[float], neg_scores: list[float], target: float) -> tuple[float, float, float]:
    """The highest threshold keeping >= target of held-out positives: (cut-off, its recall, negatives kept)."""
    ranked = sorted(pos_scores)
    k = int(math.floor((1.0 - target) * len(ranked)))
    cut = ranked[k] - 1e-9
    recall = sum(s >= cut for s in ranked) / len(ranked)
    keep = sum(s >= cut for s in neg_scores) / max(len(neg_scores), 1)
    return cut, recall, keep


def out_of_fold(xs: Rows, labels: list[int], weights: list[float], offset: list[float], *, dim: int,
                folds: int) -> list[float]:
    """Each row's score (logit + its `offset`) from a model trained on the other folds.

    Rows are in time order; each class is cut into `folds` consecutive time slices, so every fold
    holds picks and non-picks from one stretch of time (as the days the model will meet do).
    """
    fold_of = [0] * len(xs)
    for cls in (0, 1):
        members = [i for i, y in enumerate(labels) if y == cls]
        for rank, i in enumerate(members):
            fold_of[i] = rank * folds // len(members)
    oof = [0.0] * len(xs)
    for f in range(folds):
        held = [i for i in range(len(xs)) if fold_of[i] == f]
        rest = [i for i in range(len(xs)) if fold_of[i] != f]
        w, bias = train([xs[i] for i in rest], [labels[i] for i in rest], [weights[i] for i in rest], dim)
        for i in held:
            oof[i] = bias + sum(w[j] * v for j, v in xs[i]) + offset[i]
    return oof
