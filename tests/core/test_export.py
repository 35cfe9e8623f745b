"""The pure export formats: BibTeX that a real BibTeX parser (pybtex) reads back, RFC 4180 CSV, JSON."""

from __future__ import annotations

import csv
import io
import json
import re

import pybtex.errors
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pybtex.database import parse_string

from bot.core.export import PickEntry, bibtex_entry, latex_escape, to_bibtex, to_csv, to_json, year_month
from bot.core.models import Paper, Pick, Score

_UNESCAPE = re.compile(r"\\textbackslash\{\}|\\textbraceleft\{\}|\\textbraceright\{\}|\\\^\{\}|\\~\{\}|\\([$&%#_{}])")
_WORDS = {r"\textbackslash{}": "\\", r"\textbraceleft{}": "{", r"\textbraceright{}": "}", r"\^{}": "^", r"\~{}": "~"}


def unescape(latex: str) -> str:
    """What a reader of the typeset text sees (the inverse of the escapes, written independently)."""
    return _UNESCAPE.sub(lambda m: _WORDS.get(m.group(0)) or m.group(1), latex)


@pytest.fixture(autouse=True)
def strict_pybtex():
    """pybtex reports malformed BibTeX as errors, not warnings."""
    pybtex.errors.set_strict_mode(True)
    yield
    pybtex.errors.set_strict_mode(False)


def parse(bib: str):
    """Entries of a .bib text, by key, as pybtex reads them."""
    return parse_string(bib, "bibtex").entries


def test_an_entry_in_arxiv_s_style_parses_back() -> None:
    p = Paper("2601.18089", "LatentMoE: Toward Optimal Accuracy per FLOP", authors=("Jane Doe", "R&D and Co", "José Ñ"),
              categories=("cs.LG", "cs.AI"))
    [(key, entry)] = parse(bibtex_entry(p)).items()
    assert key == "arXiv:2601.18089" and entry.type == "misc"
    f = entry.fields
    assert (f["eprint"], f["archivePrefix"], f["primaryClass"]) == ("2601.18089", "arXiv", "cs.LG")
    assert (f["year"], f["month"], f["url"]) == ("2026", "January", "https://arxiv.org/abs/2601.18089")
    assert f["title"] == "{LatentMoE: Toward Optimal Accuracy per FLOP}"  # case kept by the extra braces
    assert [str(a) for a in entry.persons["author"]] == ["Doe, Jane", r"{R\&D and Co}", "Ñ, José"]


def test_specials_and_braces_are_escaped_and_math_is_kept_when_sound() -> None:
    assert latex_escape("50% & #1 a_b ^ ~ \\ $") == r"50\% \& \#1 a\_b \^{} \~{} \textbackslash{} \$"
    assert latex_escape("Top-$k$ {Sparse} Attention") == r"Top-$k$ \{Sparse\} Attention"
    assert latex_escape("a { stray") == r"a \textbraceleft{} stray"  # \{ alone would unbalance BibTeX
    assert latex_escape("costs $5 or $10 or $") == r"costs \$5 or \$10 or \$"  # odd dollars: no math
    assert latex_escape("$x}{$ and $y$") == r"\$x\textbraceright{}\textbraceleft{}\$ and \$y\$"
    assert latex_escape("line\nbreak\ttab") == "line break tab"


@settings(max_examples=300, deadline=None)
@given(title=st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=60),
       arxiv_id=st.from_regex(r"\A(\d{4}\.\d{5}|[a-z-]{2,8}/\d{7})\Z"))
def test_any_title_gives_an_entry_that_parses_and_reads_as_the_title(title: str, arxiv_id: str) -> None:
    entries = parse(bibtex_entry(Paper(arxiv_id, title, authors=("A. Author",))))
    [entry] = entries.values()
    value = entry.fields["title"][1:-1]  # the case-keeping braces
    if "$" not in title:
        assert unescape(value) == " ".join(title.split())


def test_year_and_month_from_the_published_date_else_from_the_id() -> None:
    assert year_month(Paper("2601.18089", "t")) == ("2026", "jan")
    assert year_month(Paper("hep-th/9901001", "t")) == ("1999", "jan")
    assert year_month(Paper("2601.18089", "t", published="2025-12-30")) == ("2025", "dec")
    assert year_month(Paper("not-an-id", "t")) == ("", "")


def _entry(n: int, title: str, **score: object) -> PickEntry:
    paper = Paper(f"2601.0000{n}", title, "abstract", ("A. Author", "B. Author"), ("cs.LG",))
    return PickEntry("foundations", "2026-01-27", n, Pick(paper, Score(paper.arxiv_id, 9, 8, "why", "llm:m", **score), 2))


def test_bibtex_has_one_entry_per_distinct_paper() -> None:
    picks = [_entry(1, "One"), _entry(2, "Two"), _entry(1, "One")]
    assert list(parse(to_bibtex(e.pick.paper for e in picks))) == ["arXiv:2601.00001", "arXiv:2601.00002"]


def test_csv_reads_back_and_does_not_run_formulas() -> None:
    text = to_csv([_entry(1, "Plain, with \"quotes\"\nand a newline"), _entry(2, "=HYPERLINK(\"http://x\")")])
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [r["title"] for r in rows] == ["Plain, with \"quotes\"\nand a newline", "'=HYPERLINK(\"http://x\")"]
    assert rows[0]["authors"] == "A. Author; B. Author" and rows[0]["relevance"] == "9"
    assert rows[0]["votes"] == "2" and rows[0]["url"] == "https://arxiv.org/abs/2601.00001"


def test_json_document_holds_everything() -> None:
    picks = [_entry(1, "One")]
    doc = json.loads(to_json(picks=picks, papers=[picks[0].pick.paper], votes=[{"arxiv_id": "2601.00001"}],
                             criteria_history=[{"version": 1}], teams=["foundations"], exported_at="now"))
    assert doc["format"] == "paperbot-export" and doc["teams"] == ["foundations"]
    assert doc["picks"][0] == {"team": "foundations", "day": "2026-01-27", "rank": 1, "arxiv_id": "2601.00001",
                               "relevance": 9, "novelty": 8, "comment": "why", "author_match": False,
                               "scorer": "llm:m", "votes": 2}
    assert doc["papers"][0]["authors"] == ["A. Author", "B. Author"]
    assert doc["votes"] == [{"arxiv_id": "2601.00001"}] and doc["criteria_history"] == [{"version": 1}]
