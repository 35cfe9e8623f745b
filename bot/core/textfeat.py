"""Text features for the local ranker: tokens, light stemming, phrases, and criteria parsing."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from bot.core.models import Criteria, Paper

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

# Longest first; (suffix, replacement). Maps quantization/quantize/quantized to one stem, etc.
_SUFFIXES = (
    ("izations", "iz"), ("isations", "iz"), ("ization", "iz"), ("isation", "iz"), ("ational", "ate"),
    ("fulness", "ful"), ("iveness", "ive"), ("ousness", "ous"), ("ically", "ic"), ("encies", "ent"),
    ("ency", "ent"), ("ancy", "ant"), ("ities", ""), ("ity", ""), ("ness", ""), ("ments", ""),
    ("ment", ""), ("izing", "iz"), ("ising", "iz"), ("ized", "iz"), ("ised", "iz"), ("izes", "iz"),
    ("ises", "iz"), ("ize", "iz"), ("ise", "iz"), ("ing", ""), ("ies", "y"), ("ied", "y"), ("ed", ""),
    ("ly", ""), ("es", "e"), ("s", ""),
)
_VOWELS = set("aeiouy")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light suffix-stripping stemmer: plurals, -ing/-ed, -ization/-ize, -ity (sparsity -> spars)."""
    if len(word) <= 3 or word.isdigit() or not word.isalpha():
        return word
    if word.endswith(("ss", "us", "is", "ous")) and not word.endswith("ness"):
        return word
    for suffix, repl in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            base = word[: -len(suffix)]
            if suffix in ("ing", "ed", "ly") and not (_VOWELS & set(base)):
                return word  # "sing", "red": no vowel left, not a suffix
            word = base + repl
            break
    # pruned/pruning -> prun, prune -> prun; stopped -> stop (undouble), keep "ll", "ss", "zz"
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz" and word[-1] not in _VOWELS:
        word = word[:-1]
    return word


def fold(text: str) -> str:
    """Lower-case and strip accents (Schölkopf -> scholkopf)."""
    if text.isascii():  # the common case, and 20x faster than decomposing
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def tokens(text: str) -> list[str]:
    """Stemmed content words of `text`, stopwords and one-letter tokens removed, in order."""
    return [stem(t) for t in _TOKEN.findall(fold(text)) if t not in STOPWORDS and (len(t) > 1 or t.isdigit())]


def terms(toks: list[str]) -> list[str]:
    """Unigrams plus adjacent bigrams ("low rank", "mixture expert") of a token list."""
    return toks + [f"{a} {b}" for a, b in zip(toks, toks[1:], strict=False)]


@dataclass(frozen=True, slots=True)
class PaperTokens:
    """A paper's title and abstract as `tokens`: tokenised once for all the features below."""

    title: list[str]
    abstract: list[str]

    @classmethod
    def of(cls, paper: Paper) -> PaperTokens:
        """Tokenise a paper's title and abstract."""
        return cls(tokens(paper.title), tokens(paper.abstract))


def _tokens_of(paper: Paper | PaperTokens) -> PaperTokens:
    return paper if isinstance(paper, PaperTokens) else PaperTokens.of(paper)


def paper_terms(paper: Paper | PaperTokens, *, title_weight: int = 2) -> Counter[str]:
    """Term counts of a paper's title and abstract; title terms count `title_weight` times."""
    toks = _tokens_of(paper)
    counts: Counter[str] = Counter(terms(toks.abstract))
    for t in terms(toks.title):
        counts[t] += title_weight
    return counts


def classifier_terms(paper: Paper | PaperTokens) -> Counter[str]:
    """Features for the history classifier: abstract words, title words and bigrams, title again as "T:".

    Measured on tuning days, abstract bigrams add noise, while title terms in their own namespace
    let the model learn that a word in the title says more than the same word in the abstract.
    """
    toks = _tokens_of(paper)
    counts: Counter[str] = Counter(toks.abstract)
    for t in terms(toks.title):
        counts[t] += 1
        counts["T:" + t] += 1
    return counts


@dataclass(frozen=True, slots=True)
class Phrase:
    """A criteria phrase as written ("low-rank") and as stemmed tokens (("low", "rank"),)."""

    text: str
    toks: tuple[str, ...]
    keyword: bool  # from Criteria.keywords (weighted up) rather than the topics text


@dataclass(frozen=True, slots=True)
class CriteriaTerms:
    """What the local ranker matches: weighted query terms and the phrases it can name in comments."""

    weights: dict[str, float]
    phrases: tuple[Phrase, ...]


# A line is a negative example when its label says so: "- Irrelevant: ...", "Application: ...".
_NEGATIVE_LABEL = re.compile(r"^\W*(irrelevant|not relevant|exclude[ds]?|avoid|application[s]?)\b", re.I)
_RELEVANT_LABEL = re.compile(r"^\W*(relevant|keywords?|topics?)\s*:", re.I)
_PARENS = re.compile(r"\(([^)]*)\)")
# Words that describe the prompt, not the topic ("Keep relevant papers and filter out ...").
_META = frozenset("relevant irrelevant relevance criteria criterion paper papers keep filter focus "
                  "following topic topics keyword keywords research purely merely certain avoid score "
                  "scoring other".split())
_PIECES = re.compile(r"[,;/()]|\s-\s")
_LIST_MARK = re.compile(r"^\s*(?:\d+[.)]|[-*#>]+)\s*")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
_LEADING_STOP = re.compile(r"^(?:(?:or|and|the|a|an|other|on|of)\s+)+", re.I)


def _phrases_of(text: str) -> list[str]:
    """Split a "Relevant: A (B), C/D, E" list into phrases: A, B, C, D, E."""
    out: list[str] = []
    for part in re.split(r"[,;]|\betc\b", text):
        inner = _PARENS.findall(part)
        outer = _PARENS.sub(" ", part)
        for piece in [outer, *inner]:
            for p in piece.split("/"):
                p = _LEADING_STOP.sub("", p.strip(" .*:-")).strip(" .*:-")
                if p:
                    out.append(p)
    return out


def _topic_tokens(text: str) -> list[str]:
    return tokens(" ".join(w for w in _TOKEN.findall(fold(text)) if w not in _META))


def criteria_terms(criteria: Criteria, *, keyword_weight: float = 3.0, negative_weight: float = 0.5) -> CriteriaTerms:
    """Turn criteria into query weights: topics 1, keywords `keyword_weight`, "Irrelevant:" lines negative."""
    weights: Counter[str] = Counter()
    negative: set[str] = set()
    phrases: dict[tuple[str, ...], Phrase] = {}

    def add_phrase(text: str, keyword: bool) -> None:
        toks = tuple(tokens(text))
        if toks and len(toks) <= 4 and (toks not in phrases or keyword):
            phrases[toks] = Phrase(text.strip(), toks, keyword)

    lines = [s for line in criteria.topics.splitlines() for s in _SENTENCE.split(_LIST_MARK.sub("", line))]
    for line in lines:
        if _NEGATIVE_LABEL.match(line):
            negative.update(terms(_topic_tokens(line.split(":", 1)[-1])))
            continue
        labelled = _RELEVANT_LABEL.match(line)
        body = line.split(":", 1)[1] if labelled else line
        for t in {t for piece in _PIECES.split(body) for t in terms(_topic_tokens(piece))}:
            weights[t] += 1.0
        if labelled:
            for p in _phrases_of(body):
                add_phrase(p, False)
    for kw in criteria.keywords:
        for piece in _phrases_of(kw) or [kw]:  # "Mixture of Experts (MoE)", "Sparse/Sparsity"
            for t in set(terms(tokens(piece))):
                weights[t] += keyword_weight
            add_phrase(piece, True)
    # A term the team lists as irrelevant only counts against a paper; one it also wants is kept.
    for t in negative:
        if t not in weights:
            weights[t] = -negative_weight
    # Cap repeats: a word that occurs on every topic line ("learning") is not the team's focus.
    capped = {t: min(w, keyword_weight + 2.0) for t, w in weights.items()}
    return CriteriaTerms(capped, tuple(phrases.values()))


def matched_phrases(phrases: tuple[Phrase, ...], toks: list[str]) -> list[Phrase]:
    """The phrases that occur as contiguous token runs in `toks`, keywords first, in criteria order."""
    text = " " + " ".join(toks) + " "
    hits = [p for p in phrases if f" {' '.join(p.toks)} " in text]
    return sorted(hits, key=lambda p: not p.keyword)
