"""Logistic regression on sparse TF-IDF in pure Python: the half of the local ranker learned from history.

Trained by AdaGrad SGD (a few epochs over a few thousand papers take seconds); the prefilter's
cut-off comes from out-of-fold scores, so its recall is measured on papers the model did not see.

Memory matters more than elegance here: a year of history is ~20,000 papers with ~250,000 distinct
terms, and as dicts of strings and lists of (int, float) tuples it took ~750 MB on a bot meant for a
1 GB VM. Papers are therefore read once and kept as arrays of term ids (8 bytes a term, then 12 as
TF-IDF rows), and the model keeps one column per term seen in >= MIN_DF papers.
"""

from __future__ import annotations

import math
import random
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import mul

SGD_EPOCHS, SGD_ETA, SGD_L2 = 4, 0.25, 1e-5  # tuned on tuning days (see bench/README.md)
MIN_DF = 2  # terms seen once carry no generalisable signal and bloat the model

Row = tuple[array, array]  # one paper's TF-IDF vector: column ids ("i"), L2-normalised values ("d")


def _tfidf(pairs: Iterable[tuple[int, int]], idf: Sequence[float]) -> Row:
    """Sublinear TF x IDF, L2-normalised, of (column, count) pairs."""
    cols = array("i")
    vals: list[float] = []
    for j, c in pairs:
        cols.append(j)
        vals.append((1.0 + math.log(c)) * idf[j])
    norm = math.sqrt(sum(v * v for v in vals)) or 1.0
    return cols, array("d", [v / norm for v in vals])


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The terms the classifier knows (term -> column) and their IDF, from the papers it was trained on."""

    columns: Mapping[str, int]
    idf: Sequence[float]

    def row(self, counts: Mapping[str, int]) -> Row:
        """One paper's TF-IDF row over the known terms; unknown terms are left out."""
        pairs = ((self.columns.get(t), c) for t, c in counts.items())
        return _tfidf(((j, c) for j, c in pairs if j is not None), self.idf)


def vectorise(features: Iterable[Mapping[str, int]], *, min_df: int = MIN_DF) -> tuple[Vocabulary, list[Row]]:
    """(vocabulary of terms in >= `min_df` papers, each paper's TF-IDF row), reading `features` once.

    Pass a generator: each paper's term counts become integer ids as they arrive, so one copy of each
    distinct term is alive while reading (not one per paper), and afterwards only the kept terms.
    """
    ids: dict[str, int] = {}
    df: list[int] = []  # papers per provisional id
    docs: list[tuple[array, array] | None] = []
    for counts in features:
        tids = array("i")
        for term in counts:
            i = ids.get(term)
            if i is None:
                i = ids[term] = len(df)
                df.append(1)
            else:
                df[i] += 1
            tids.append(i)
        docs.append((tids, array("i", counts.values())))
    n = len(docs)
    col = array("i", [-1]) * len(ids)
    idf = array("d")
    columns: dict[str, int] = {}
    for term, i in ids.items():
        if df[i] >= min_df:
            col[i] = columns[term] = len(idf)
            idf.append(math.log((n + 1) / (df[i] + 1)) + 1.0)
    del ids, df
    rows: list[Row] = []
    for k, doc in enumerate(docs):
        assert doc is not None
        rows.append(_tfidf(((col[i], c) for i, c in zip(*doc, strict=True) if col[i] >= 0), idf))
        docs[k] = None  # free the provisional ids as the rows are built
    return Vocabulary(columns, idf), rows


@dataclass(frozen=True, slots=True)
class Classifier:
    """Logistic regression weights (one per vocabulary column) and the vocabulary they were trained with."""

    vocab: Vocabulary
    weights: Sequence[float]
    bias: float

    def logit(self, counts: Mapping[str, int]) -> float:
        """Log-odds for one paper's term counts."""
        return logit(self.vocab.row(counts), self.weights, self.bias)


def logit(x: Row, w: Sequence[float], bias: float) -> float:
    """Log-odds of one TF-IDF row under weights `w` and `bias`."""
    return bias + sum(map(mul, map(w.__getitem__, x[0]), x[1]))


def train(xs: Sequence[Row], labels: Sequence[int], weights: Sequence[float], dim: int, *,
          epochs: int | None = None, eta: float | None = None, l2: float | None = None,
          seed: int = 0) -> tuple[array, float]:
    """Logistic regression by AdaGrad SGD over TF-IDF rows, classes balanced: (weights, bias)."""
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
            cols, vals = xs[i]
            y = labels[i]
            z = bias
            for j, v in zip(cols, vals, strict=False):
                z += w[j] * v
            p = 1.0 / (1.0 + exp(-max(-30.0, min(30.0, z))))
            g = (p - y) * class_w[y] * weights[i]
            for j, v in zip(cols, vals, strict=False):
                gt = g * v + l2 * w[j]
                acc = g2[j] + gt * gt
                g2[j] = acc
                w[j] -= eta * gt / sqrt(acc)
            g2_bias += g * g
            bias -= eta * g / sqrt(g2_bias)
    return array("d", w), bias


def recall_cutoff(pos_scores: list[float], neg_scores: list[float], target: float) -> tuple[float, float, float]:
    """The highest threshold keeping >= target of held-out positives: (cut-off, its recall, negatives kept)."""
    ranked = sorted(pos_scores)
    k = int(math.floor((1.0 - target) * len(ranked)))
    cut = ranked[k] - 1e-9
    recall = sum(s >= cut for s in ranked) / len(ranked)
    keep = sum(s >= cut for s in neg_scores) / max(len(neg_scores), 1)
    return cut, recall, keep


def out_of_fold(xs: Sequence[Row], labels: list[int], weights: list[float], offset: list[float], *, dim: int,
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
            oof[i] = logit(xs[i], w, bias) + offset[i]
    return oof
