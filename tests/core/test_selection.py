"""Selection rules: watched authors, exclude keywords, cut-offs, ranking of picks with votes."""

from __future__ import annotations

import pytest

from bot.core.models import Criteria, Paper, Score
from bot.core.selection import (
    author_match_score,
    author_matches,
    excluded_by,
    passes_cutoffs,
    rank_picks,
    watched_authors,
)
from tests.core.selection_data import picks


@pytest.mark.parametrize(
    "author",
    ["Yoshua Bengio", "YOSHUA BENGIO", "Y. Bengio", "Y Bengio", "Yoshua J. Bengio", "Bengio, Yoshua",
     "Bengio, Y.", "Yoshua Bengio Jr."],
)
def test_watched_author_variants_match(author: str) -> None:
    assert author_matches("Yoshua Bengio", author)


@pytest.mark.parametrize("author", ["Samy Bengio", "S. Bengio", "Yoshua Bengiox", "Bengio", "Yoshua Benigo"])
def test_other_people_do_not_match(author: str) -> None:
    assert not author_matches("Yoshua Bengio", author)


def test_accents_hyphens_and_particles() -> None:
    assert author_matches("Joël Ouaknine", "Joel Ouaknine")
    assert author_matches("Joel Ouaknine", "Joël Ouaknine")
    assert author_matches("Jean-Pierre Serre", "J.-P. Serre")
    assert author_matches("Yann LeCun", "Yann Le Cun")
    assert author_matches("Schölkopf", "Bernhard Schoelkopf") is False  # transliteration is not guessed
    assert author_matches("Schölkopf", "Bernhard Schölkopf")  # a one-word watch matches the family name


def test_watched_author_paper_is_found_among_real_authors() -> None:
    paper = next(p for p in picks() if p.arxiv_id == "2602.04119")  # the seed digest's "Author match"
    criteria = Criteria(authors=("Bengio, Yoshua", "Nobody Atall"))
    assert watched_authors(paper, criteria) == ["Bengio, Yoshua"]
    assert watched_authors(paper, Criteria(authors=("Samy Bengio",))) == []


def _paper(title: str, abstract: str = "", ident: str = "2601.00001") -> Paper:
    return Paper(ident, title, abstract)


def test_exclude_matches_title_words_case_and_plural() -> None:
    c = Criteria(exclude=("diffusion model", "reinforcement learning"))
    assert excluded_by(_paper("Faster Diffusion Models for Video"), c) == "diffusion model"
    assert excluded_by(_paper("Offline Reinforcement-Learning at Scale"), c) == "reinforcement learning"
    assert excluded_by(_paper("DIFFUSION MODEL distillation"), c) == "diffusion model"


def test_exclude_needs_word_boundaries() -> None:
    c = Criteria(exclude=("RL", "MoE"))
    assert excluded_by(_paper("Parsing a URL with curl", "The URL parser handles curls and urls."), c) is None
    assert excluded_by(_paper("Shoe design", "Moebius strips and shoes."), c) is None
    assert excluded_by(_paper("RL for robots"), c) == "RL"


def test_an_exclude_term_without_a_word_excludes_nothing() -> None:
    # A stray "-" or "/" typed as an exclude keyword must not drop every paper of the day.
    c = Criteria(exclude=("-", " / ", "--", "RL"))
    assert excluded_by(_paper("Sparse Experts", "We route tokens - fast - to experts."), c) is None
    assert excluded_by(_paper("RL for robots"), c) == "RL"


def test_exclude_in_abstract_needs_the_paper_to_be_about_it() -> None:
    c = Criteria(exclude=("diffusion",))
    once = _paper("Sparse Experts", "Unlike diffusion approaches, we route tokens to sparse experts.")
    twice = _paper("A Generative Model", "We train a diffusion model. The diffusion process is learned end to end.")
    assert excluded_by(once, c) is None
    assert excluded_by(twice, c) == "diffusion"
    assert excluded_by(once, c, min_abstract_hits=1) == "diffusion"
    assert excluded_by(twice, Criteria()) is None


@pytest.mark.parametrize(
    ("relevance", "novelty", "ok"),
    [(8, 7, True), (10, 10, True), (7.9, 9, False), (9, 6, False), (7, 7, False)],
)
def test_cutoffs_are_inclusive(relevance: float, novelty: float, ok: bool) -> None:
    assert passes_cutoffs(Score("x", relevance, novelty), Criteria()) is ok


def test_cutoffs_follow_the_criteria_and_unscored_never_passes() -> None:
    lenient = Criteria(relevance_cutoff=5, novelty_cutoff=5)
    assert passes_cutoffs(Score("x", 6, 5), lenient)
    assert not passes_cutoffs(Score("x", 6, 5), Criteria())
    assert not passes_cutoffs(Score("x", None, None), lenient)
    assert passes_cutoffs(Score("x", None, None, author_match=True), Criteria())


def test_ranking_author_first_then_votes_then_scores_then_id() -> None:
    papers = [_paper(f"Paper {i}", ident=f"2601.0000{i}") for i in range(1, 7)]
    scores = {
        "2601.00001": Score("2601.00001", 10, 10),
        "2601.00002": Score("2601.00002", 8, 7),
        "2601.00003": Score("2601.00003", 9, 8),
        "2601.00004": Score("2601.00004", 9, 8),  # ties with 00003: id decides
        "2601.00005": author_match_score(papers[4]),
        "2601.00006": Score("2601.00006", 5, 5),  # below the cut-offs: not a pick, votes or not
    }
    votes = {"2601.00002": 2, "2601.00001": -1, "2601.00006": 5}
    ranked = rank_picks(papers, scores, Criteria(), votes=votes)
    assert [p.paper.arxiv_id for p in ranked] == ["2601.00005", "2601.00002", "2601.00003", "2601.00004",
                                                  "2601.00001"]
    assert ranked[1].votes == 2 and ranked[-1].votes == -1
    assert ranked[0].score.comment == "Author match"


def test_ranking_ignores_duplicates_and_papers_without_a_score() -> None:
    a = _paper("A", ident="2601.00001")
    ranked = rank_picks([a, a, _paper("B", ident="2601.00002")], {"2601.00001": Score("2601.00001", 9, 9)},
                        Criteria())
    assert [p.paper.arxiv_id for p in ranked] == ["2601.00001"]
