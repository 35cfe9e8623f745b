"""Compact paper text: LaTeX and whitespace cleaned, abstracts cut at sentences, criteria rendered."""

from __future__ import annotations

from bot.core.models import Criteria, Paper
from bot.llm.compact import clean_text, distinct_words, render_criteria, render_paper, trim_abstract


def test_clean_text_strips_latex_and_rss_prefix() -> None:
    raw = ("arXiv:2501.09412v1 Announce Type: new  Abstract: We revisit $\\textbf{L}$oad-$\\textbf{b}$alancing\n"
           "  \\emph{loss} in  MoE, a $3\\times$ speed-up with \\href{https://x.org}{code} and 5\\% error.")
    assert clean_text(raw) == "We revisit Load-balancing loss in MoE, a 3× speed-up with code and 5% error."


def test_short_abstract_is_kept_whole() -> None:
    assert trim_abstract("One sentence.  Two   sentences.", 1200) == "One sentence. Two sentences."


def test_long_abstract_is_cut_at_a_sentence_boundary_near_the_limit() -> None:
    sentences = [f"Sentence {i} talks about topic{i} and common words here." for i in range(40)]
    text = " ".join(sentences)
    out = trim_abstract(text, 400, min_word_coverage=0.0)
    assert out.endswith(". …")
    assert abs(len(out) - 400) < 60
    assert text.startswith(out[:-2])


def test_cut_keeps_the_required_share_of_distinct_words() -> None:
    # Every sentence brings new words, so 300 characters cannot hold 60 % of them: the cut runs on.
    text = " ".join(f"Alpha{i} beta{i} gamma{i} delta{i} epsilon{i}." for i in range(60))
    out = trim_abstract(text, 300, min_word_coverage=0.6)
    assert len(out) > 300
    kept = distinct_words(out) & distinct_words(text)
    assert len(kept) >= 0.6 * len(distinct_words(text))


def test_an_endless_sentence_is_cut_at_a_word_boundary() -> None:
    text = " ".join(["word"] * 2000)
    out = trim_abstract(text, 100)
    assert 100 <= len(out) < 120 and out.endswith("word …")


def test_paper_is_id_title_then_abstract() -> None:
    p = Paper("2601.00001", "A  \\emph{Title}", "Body text.")
    assert render_paper(p, max_abstract_chars=1200) == "[2601.00001] A Title\nBody text."
    assert render_paper(Paper("2601.00002", "No abstract"), max_abstract_chars=1200) == "[2601.00002] No abstract"


def test_criteria_holds_topics_keywords_exclusions_authors_but_not_cutoffs() -> None:
    c = Criteria(topics="**Topics**\n\n1. MoE\n   - Relevant: routing", keywords=("MoE", "Pruning"),
                 exclude=("RL",), authors=("Ada Lovelace",), relevance_cutoff=9, novelty_cutoff=6)
    text = render_criteria(c)
    assert text.splitlines() == [
        "Topics", "1. MoE", "   - Relevant: routing",
        "Relevant keywords: MoE, Pruning", "Excluded (not wanted): RL", "Watched authors: Ada Lovelace",
    ]
    assert "9" not in text and "6" not in text  # cut-offs are not the model's business
