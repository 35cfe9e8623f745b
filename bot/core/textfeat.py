"""Criteria as ranker queries: weighted terms, negative "Irrelevant:" lines, and phrases to name in comments."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from bot.core.features import fold, tokens
from bot.core.features import with_pairs as terms
from bot.core.models import Criteria

_TOKEN = re.compile(r"[a-z0-9]+")


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
