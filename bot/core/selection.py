"""Pure selection rules: watched-author match, exclude keywords, score cut-offs, and ranking of picks."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from bot.core.features import fold
from bot.core.models import Criteria, Paper, Pick, Score

AUTHOR_MATCH_COMMENT = "Author match"
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "phd"})
_NAME_TOKEN = re.compile(r"[a-z0-9]+")


def _name_parts(name: str) -> tuple[tuple[str, ...], str]:
    """(given-name tokens, family name) of "First M. Last" or "Last, First"; accents and case folded."""
    name = fold(name)
    if "," in name:
        family, _, given = name.partition(",")
        # "Bengio, Yoshua" but also "Smith, Jr., John": drop a suffix sitting where the given name is.
        given_toks = [t for t in _NAME_TOKEN.findall(given) if t not in _SUFFIXES]
        family_toks = _NAME_TOKEN.findall(family)
    else:
        toks = [t for t in _NAME_TOKEN.findall(name) if t not in _SUFFIXES]
        given_toks, family_toks = toks[:-1], toks[-1:]
    return tuple(given_toks), "".join(family_toks)


def author_matches(watched: str, author: str) -> bool:
    """True when `author` is the watched person: same family name, compatible first name or initial.

    "Yoshua Bengio" matches "Y. Bengio", "Yoshua J. Bengio", "Bengio, Yoshua" and "YOSHUA BENGIO";
    middle names and initials are ignored. A watched name of one word matches on the family name.
    """
    w_given, w_family = _name_parts(watched)
    a_given, a_family = _name_parts(author)
    if not w_family or w_family != a_family:
        # "Yann LeCun" vs "Yann Le Cun": compare the whole name without spaces as a fallback.
        return bool(w_given) and "".join(w_given) + w_family == "".join(a_given) + a_family
    if not w_given:
        return True
    if not a_given:
        return False
    w_first, a_first = w_given[0], a_given[0]
    if w_first == a_first:
        return True
    # An initial on either side ("Y." or "J.-P." -> "j", "p") matches the first letter of the other.
    return (len(w_first) == 1 or len(a_first) == 1) and w_first[0] == a_first[0]


def watched_authors(paper: Paper, criteria: Criteria) -> list[str]:
    """The criteria's watched authors who wrote `paper`, as the criteria spell them."""
    return [w for w in criteria.authors if any(author_matches(w, a) for a in paper.authors)]


def author_match_score(paper: Paper) -> Score:
    """The score a watched author's paper gets: no numbers, always in the digest."""
    return Score(paper.arxiv_id, None, None, comment=AUTHOR_MATCH_COMMENT, scorer="author", author_match=True)


def _term_pattern(term: str) -> re.Pattern[str]:
    # Word boundaries on both ends; spaces/hyphens interchangeable; an optional plural "s"/"es".
    words = [re.escape(w) for w in re.split(r"[\s\-]+", fold(term).strip()) if w]
    return re.compile(r"(?<!\w)" + r"[\s\-]+".join(words) + r"(?:e?s)?(?!\w)")


def excluded_by(paper: Paper, criteria: Criteria, *, min_abstract_hits: int = 2) -> str | None:
    """The exclude keyword a paper is about, or None.

    A paper is about a term when its title names it, or its abstract names it at least
    `min_abstract_hits` times: one passing mention ("unlike diffusion models, ...") is not enough.
    """
    title, abstract = fold(paper.title), fold(paper.abstract)
    for term in criteria.exclude:
        if not re.search(r"\w", term):  # "-" or "/" alone would match between any two words
            continue
        pattern = _term_pattern(term)
        if pattern.search(title) or len(pattern.findall(abstract)) >= min_abstract_hits:
            return term
    return None


def passes_cutoffs(score: Score, criteria: Criteria) -> bool:
    """True when a score makes the digest: an author match, or both axes at or above the cut-offs."""
    if score.author_match:
        return True
    if not score.scored:
        return False
    return score.relevance >= criteria.relevance_cutoff and score.novelty >= criteria.novelty_cutoff  # type: ignore[operator]


def pick_order_key(score: Score, votes: int) -> tuple[int, int, float, str]:
    """Sort key: author matches first, then net votes, then relevance + novelty, then arXiv id."""
    base = (score.relevance or 0) + (score.novelty or 0)
    return (0 if score.author_match else 1, -votes, -base, score.arxiv_id)


def rank_picks(
    papers: Iterable[Paper],
    scores: Mapping[str, Score],
    criteria: Criteria,
    *,
    votes: Mapping[str, int] | None = None,
) -> tuple[Pick, ...]:
    """Every paper whose score passes the cut-offs, as Picks in digest order."""
    votes = votes or {}
    picks = [
        Pick(paper=p, score=scores[p.arxiv_id], votes=votes.get(p.arxiv_id, 0))
        for p in unique_papers(papers)
        if p.arxiv_id in scores and passes_cutoffs(scores[p.arxiv_id], criteria)
    ]
    return tuple(sorted(picks, key=lambda pk: pick_order_key(pk.score, pk.votes)))


def unique_papers(papers: Iterable[Paper]) -> list[Paper]:
    """Papers with duplicate ids removed, first occurrence kept, order preserved."""
    seen: set[str] = set()
    out: list[Paper] = []
    for p in papers:
        if p.arxiv_id not in seen:
            seen.add(p.arxiv_id)
            out.append(p)
    return out
