"""A paper's text as named sections and passages, and BM25 retrieval of the passages a question needs."""

from __future__ import annotations

from bot.core.models import find_arxiv_ids
from bot.core.sections import PREAMBLE, WHOLE, passages, retrieve, split_sections
from bot.sources.html_text import html_to_text

# No arXiv HTML page is recorded in the fixtures (see tests/fixtures/README.md): this one is written in
# LaTeXML's structure (ltx_ classes, numbered h2/h3 headings, a results table, references, an appendix).
PAGE = """<html><body><nav class="ltx_page_navbar">Contents 1 Introduction</nav><article class="ltx_document">
<h1 class="ltx_title ltx_title_document">LatentMoE: Toward Optimal Accuracy per FLOP</h1>
<div class="ltx_authors">Ada Lovelace, Alan Turing</div>
<div class="ltx_abstract"><h6 class="ltx_title">Abstract</h6><p>We route tokens in a latent space.</p></div>
<section class="ltx_section"><h2 class="ltx_title"><span class="ltx_tag">1 </span>Introduction</h2>
<p>Mixture of experts models are expensive to serve.</p></section>
<section class="ltx_section"><h2 class="ltx_title"><span class="ltx_tag">2 </span>Method</h2>
<p>Tokens are projected to a smaller latent dimension before the router picks experts.</p>
<section class="ltx_subsection"><h3 class="ltx_title"><span class="ltx_tag">2.1 </span>Latent routing</h3>
<p>The router sees the projected token only.</p></section></section>
<section class="ltx_section"><h2 class="ltx_title"><span class="ltx_tag">3 </span>Experiments</h2>
<table><tr>
<td>1</td>
<td>Baseline</td>
<td>45.2</td></tr>
<tr>
<td>2</td>
<td>LatentMoE</td>
<td>47.9</td></tr></table>
<p>On H100 GPUs, inference latency drops by 30% at equal accuracy.</p></section>
<section class="ltx_bibliography"><h2 class="ltx_title">References</h2>
<ul><li>Shazeer et al. Outrageously large neural networks. 2017.</li></ul></section>
<section class="ltx_appendix"><h2 class="ltx_title"><span class="ltx_tag">Appendix A </span>Proofs</h2>
<p>A proof that latent routing keeps the capacity.</p></section>
</article></body></html>"""


def test_latexml_text_splits_into_its_named_sections() -> None:
    sections = split_sections(html_to_text(PAGE))
    assert [s.name for s in sections] == [PREAMBLE, "Abstract", "1 Introduction", "2 Method", "2.1 Latent routing",
                                          "3 Experiments", "Appendix A Proofs"]
    experiments = next(s for s in sections if s.name == "3 Experiments")
    assert "1 Baseline 45.2" in experiments.text  # a table row is text, not a heading
    assert all("Shazeer" not in s.text for s in sections)  # references are never read


def test_text_without_headings_is_one_block_and_the_abstract_comes_first() -> None:
    sections = split_sections("Just a paragraph.\nAnd another one.", abstract="We study  things.")
    assert [(s.name, s.text) for s in sections] == [("Abstract", "We study things."),
                                                     (WHOLE, "Just a paragraph.\nAnd another one.")]
    assert split_sections("", abstract="") == []


def test_passages_keep_paragraphs_whole_and_cut_long_ones_at_sentences() -> None:
    long = " ".join(f"Sentence number {i} says something about routing." for i in range(100))
    out = passages(split_sections(f"1 Introduction\nShort paragraph.\n{long}"), size=400)
    assert all(len(p.text) <= 400 for p in out)
    assert out[0].text.startswith("Short paragraph.") and all(p.section == "1 Introduction" for p in out)
    assert [p.order for p in out] == list(range(len(out)))
    assert " ".join(p.text.replace("\n", " ") for p in out).split() == f"Short paragraph. {long}".split()


def test_retrieval_finds_the_passage_that_answers_and_keeps_paper_order() -> None:
    chunks = passages(split_sections(html_to_text(PAGE)), size=200)
    got = retrieve(chunks, "How much faster is inference on GPUs?", budget_chars=120)
    assert [p.section for p in got] == ["3 Experiments"]
    assert "latency drops by 30%" in got[0].text
    both = retrieve(chunks, "latency of the router", budget_chars=400)
    assert [p.order for p in both] == sorted(p.order for p in both)
    assert {"2.1 Latent routing", "3 Experiments"} <= {p.section for p in both}


def test_a_question_no_word_matches_gets_the_opening_passages() -> None:
    chunks = passages(split_sections(html_to_text(PAGE)), size=200)
    got = retrieve(chunks, "What is new here?", budget_chars=150)
    assert got and got[0].order == 0
    assert retrieve(chunks, "", budget_chars=10_000) == chunks  # everything fits: everything goes
    assert retrieve([], "anything") == []


def test_arxiv_ids_in_chat_text() -> None:
    text = ("see <https://arxiv.org/abs/2601.16725v2|arxiv.org/abs/2601.16725v2>, arXiv:2602.04163 and "
            "https://arxiv.org/html/astro-ph/0601001v1#S2; 2601.18089. Not 1234.5678, 12601.16725 or 3.2601.16725")
    assert find_arxiv_ids(text) == ["2601.16725", "2602.04163", "astro-ph/0601001", "2601.18089"]
    assert find_arxiv_ids("no paper here, 2613.12345 has month 13") == []
