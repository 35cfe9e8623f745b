"""Paper text as hashed term counts: one sparse row per paper that every local model reads.

The rows come from scikit-learn's FeatureHasher, so they need no fitted vocabulary: a paper is
vectorised once, its row can be stored and reused (the persisted ranker, `/papers like`), and a
model trained months ago still reads a paper of today. Words are stemmed with the Snowball
stemmer (PyStemmer), stopwords and abstract boilerplate dropped.

A row holds abstract words and word pairs, title words and pairs, and the title terms again under
a "T:" prefix, so a model can learn that a word in the title says more than in the abstract.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

import numpy as np
import Stemmer
from scipy import sparse
from sklearn.feature_extraction import FeatureHasher

from bot.core.models import Paper

N_FEATURES = 2**20  # collisions stay rare: a year of papers has ~1M distinct terms, most seen once
TITLE = "T:"
_TOKEN = re.compile(r"[a-z0-9]+")
# Function words plus the boilerplate every abstract has ("we propose a novel method ..."):
# they carry no topic, and leaving them in lets abstract length dominate the scores.
STOPWORDS = frozenset(
    """a about above across after again against all also am an and any are as at be been before being
    below between both but by can could did do does doing done down during each either etc even ever
    every for from further had has have having he her here hers how however i if in into is it its itself
    just least less many may me might more most much must my neither no nor not now of off often on once
    one only or other our ours out over own per rather same several she should since so some such than
    that the their theirs them then there these they this those through thus to too two under until up
    ones upon us use used uses using very via was we were what when where whether which while who whom whose
    why will with within without would yet you your
    paper propose proposed proposes present presents introduce introduces novel new approach approaches
    method methods result results show shows demonstrate demonstrates achieve achieves based work task
    tasks existing extensive experiment experiments significantly significant state art first well
    furthermore moreover specifically particular including include includes e g i e et al""".split()
)
_STEMMER = Stemmer.Stemmer("english")
_HASHER = FeatureHasher(n_features=N_FEATURES, input_type="string", alternate_sign=False, dtype=np.float32)
_WEIGHTED = FeatureHasher(n_features=N_FEATURES, input_type="dict", alternate_sign=False, dtype=np.float64)


def fold(text: str) -> str:
    """Lower-case and strip accents (Schölkopf -> scholkopf)."""
    if text.isascii():  # the common case, and 20x faster than decomposing
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The Snowball (Porter 2) stem of one lower-case word: quantization, quantized -> quantiz."""
    return _STEMMER.stemWord(word)


def tokens(text: str) -> list[str]:
    """Stemmed content words of `text`, stopwords and one-letter words removed, in order."""
    return [stem(t) for t in _TOKEN.findall(fold(text)) if t not in STOPWORDS and (len(t) > 1 or t.isdigit())]


def with_pairs(toks: Sequence[str]) -> list[str]:
    """Words plus adjacent word pairs ("low rank", "mixtur expert")."""
    return [*toks, *(f"{a} {b}" for a, b in zip(toks, toks[1:], strict=False))]


def paper_terms(paper: Paper) -> list[str]:
    """The terms of one paper's row, repeated as often as they occur."""
    title = with_pairs(tokens(paper.title))
    return [*with_pairs(tokens(paper.abstract)), *title, *(TITLE + t for t in title)]


def hash_terms(term_lists: Iterable[Sequence[str]]) -> sparse.csr_matrix:
    """Count rows of term lists (float32, N_FEATURES columns); no lists give a 0-row matrix."""
    lists = iter(term_lists)  # consumed lazily: a pool of thousands of papers is never all in memory as strings
    first = next(lists, None)
    if first is None:  # FeatureHasher raises StopIteration on an empty input, which hangs an awaiting task
        return sparse.csr_matrix((0, N_FEATURES), dtype=np.float32)
    return _HASHER.transform(itertools.chain([first], lists)).tocsr()


def paper_rows(papers: Iterable[Paper]) -> sparse.csr_matrix:
    """Hashed term counts, one row per paper."""
    return hash_terms(paper_terms(p) for p in papers)


def weighted_row(weights: Mapping[str, float], *, title_too: bool = True) -> sparse.csr_matrix:
    """One row of term weights (a query); with `title_too` each term also matches in the title namespace."""
    both = dict(weights)
    if title_too:
        both.update({TITLE + t: w for t, w in weights.items()})
    return _WEIGHTED.transform([both]).tocsr()
