"""Reading lists in: Zotero-style BibTeX, RIS and CSV exports, and our own BibTeX export read back."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.export import to_bibtex
from bot.core.models import Paper
from bot.core.reading_list import ReadingListError, arxiv_id_in, detect_format, distinct, parse_reading_list
from tests.handlers.seeding import seed_paper, seed_rows

LISTS = Path(__file__).resolve().parents[1] / "fixtures" / "reading_lists"


def _read(name: str) -> list:
    return parse_reading_list((LISTS / name).read_bytes(), name)


def test_zotero_bibtex_ids_from_doi_note_eprint_and_journal_and_latex_cleaned() -> None:
    refs = _read("zotero.bib")
    assert [r.arxiv_id for r in refs] == ["2601.18401", "2601.18089", "1605.08386", None, None, "2601.18401",
                                          "0000.0000"]
    first = refs[0]
    assert first.title == "Superlinear Multi-Step Attention" and first.authors == ("Yufeng Huang",)
    assert refs[1].title.startswith("LatentMoE: Toward Optimal Accuracy") and len(refs[1].authors) == 3
    assert refs[3].doi == "10.1038/nature14539" and refs[3].abstract.startswith("Deep learning allows")
    assert len(distinct(refs)) == 6  # the duplicate of 2601.18401 is gone


def test_zotero_ris_and_csv_give_the_same_references() -> None:
    ris, csv = _read("zotero.ris"), _read("zotero.csv")
    assert [(r.arxiv_id, r.title, r.authors, r.doi) for r in ris] == [(r.arxiv_id, r.title, r.authors, r.doi)
                                                                      for r in csv]
    assert ris[1].authors == ("Yann LeCun", "Yoshua Bengio", "Geoffrey Hinton")
    assert ris[2].abstract == "" and ris[0].abstract == csv[0].abstract != ""


def test_our_own_bibtex_export_reads_back_with_every_id_title_and_author() -> None:
    papers = [seed_paper(r) for r in seed_rows()[:20]]
    refs = parse_reading_list(to_bibtex(papers).encode(), "picks.bib")
    assert [r.arxiv_id for r in refs] == [p.arxiv_id for p in papers]
    assert [len(r.authors) for r in refs] == [len(p.authors) for p in papers]


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=60))
def test_any_title_survives_our_export_and_import(title: str) -> None:
    if not title.strip():
        return
    [ref] = parse_reading_list(to_bibtex([Paper("2601.00001", title)]).encode(), "one.bib")
    assert ref.arxiv_id == "2601.00001"


@pytest.mark.parametrize("text", ["arXiv:2601.18401 [cs]", "https://arxiv.org/pdf/2601.18401v2",
                                  "10.48550/arXiv.2601.18401", "2601.18401", "see ARXIV: 2601.18401"])
def test_an_arxiv_id_is_found_in_what_reference_managers_write(text: str) -> None:
    assert arxiv_id_in("", text) == "2601.18401"


def test_files_that_are_not_reading_lists_are_refused_with_a_reason() -> None:
    with pytest.raises(ReadingListError, match="not BibTeX"):
        parse_reading_list(b"just some notes\nnothing here", "notes.txt")
    with pytest.raises(ReadingListError, match="Title column"):
        parse_reading_list(b"a,b,c\n1,2,3\n", "table.csv")
    with pytest.raises(ReadingListError, match="no entries in it .read as RIS"):
        parse_reading_list(b"not RIS at all", "list.ris")
    with pytest.raises(ReadingListError, match="no entries"):
        parse_reading_list(b"% only a comment", "empty.bib")
    assert detect_format("export", "@article{x, title={T}}") == "bibtex"
    assert detect_format("export", "TY  - JOUR\nER  - \n") == "ris"
