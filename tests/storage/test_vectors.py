"""Stored term rows: exact round trip, written with the paper, frequencies that follow, lazy upgrade."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlite_utils import Database

from bot.core.features import N_FEATURES, paper_rows
from bot.core.models import ListingEntry, Paper
from storage import papers as paper_store
from storage import similar, term_index, vectors
from storage.db import open_db
from tests.handlers.seeding import seed_paper, seed_rows

DAY = date(2026, 1, 27)


@pytest.fixture
def db() -> Iterator[Database]:
    d = open_db(":memory:")
    yield d
    d.close()


@pytest.fixture(scope="module")
def seeds() -> list[Paper]:
    return [seed_paper(r) for r in seed_rows()]


def assert_frequencies_match_the_rows(db: Database) -> None:
    """term_df must equal the document frequencies counted from scratch over every stored row."""
    ids = [r[0] for r in db.execute("SELECT arxiv_id FROM paper_vectors")]
    _, rows = vectors.load_rows(db, ids)
    freqs = term_index.doc_freqs(db)
    assert freqs.docs == len(ids)
    assert np.array_equal(freqs.df, np.bincount(rows.indices, minlength=N_FEATURES))


def test_rows_round_trip_exactly_and_compactly(db: Database, seeds: list[Paper]) -> None:
    rows = paper_rows(seeds)
    vectors.save_rows(db, [p.arxiv_id for p in seeds], rows)
    asked = [p.arxiv_id for p in reversed(seeds)] + ["2601.99999"]
    ids, got = vectors.load_rows(db, asked)
    assert ids == asked[:-1]  # in the order asked, the unknown id left out
    assert got.shape == (len(seeds), N_FEATURES)
    assert (got != rows[::-1]).nnz == 0
    bytes_per_paper = db.execute("SELECT avg(length(row)) FROM paper_vectors").fetchone()[0]
    assert bytes_per_paper < 4 * rows.nnz / len(seeds)  # less than an int32 column id per term alone


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, N_FEATURES - 1), st.integers(1, 255)), max_size=400,
                unique_by=lambda t: t[0]))
def test_any_row_round_trips(entries: list[tuple[int, int]]) -> None:
    entries.sort()
    cols = np.array([c for c, _ in entries], dtype=np.int32)
    counts = np.array([n for _, n in entries], dtype=np.float32)
    got = vectors.decode([vectors.encode(cols, counts)] * 2)  # twice: rows must not run into each other
    assert got.shape == (2, N_FEATURES)
    for i in range(2):
        assert got[i].indices.tolist() == cols.tolist() and got[i].data.tolist() == counts.tolist()


def test_rows_of_one_paper_twice_are_refused(db: Database, seeds: list[Paper]) -> None:
    with pytest.raises(ValueError, match="distinct"):
        vectors.save_rows(db, [seeds[0].arxiv_id] * 2, paper_rows([seeds[0]] * 2))
    assert term_index.doc_freqs(db).docs == 0


def test_an_empty_paper_and_a_very_repeated_word(db: Database) -> None:
    empty = Paper("2601.00001", "", "")
    chant = Paper("2601.00002", "Tokamak", "tokamak " * 300)
    vectors.vectorise(db, [empty, chant])
    ids, got = vectors.load_rows(db, [empty.arxiv_id, chant.arxiv_id])
    assert ids == [empty.arxiv_id, chant.arxiv_id]
    assert got[0].nnz == 0
    assert got[1].data.max() == 255  # counts are capped at what a byte holds
    assert got[1].nnz == paper_rows([chant]).nnz


def test_a_paper_saved_with_its_listing_has_its_row(db: Database, seeds: list[Paper]) -> None:
    paper_store.save_listing(db, DAY, [ListingEntry(p, "new") for p in seeds[:10]])
    ids, got = vectors.load_rows(db, [p.arxiv_id for p in seeds[:10]])
    assert ids == [p.arxiv_id for p in seeds[:10]]
    assert (got != paper_rows(seeds[:10])).nnz == 0
    assert_frequencies_match_the_rows(db)
    assert db.execute("SELECT count(DISTINCT vec) FROM term_postings").fetchone()[0] == 10


def test_storing_a_paper_again_vectorises_it_only_when_its_text_changed(db: Database, seeds: list[Paper]) -> None:
    paper_store.save_listing(db, DAY, [ListingEntry(p, "new") for p in seeds[:10]])
    generation = db.execute("SELECT generation FROM term_df_meta").fetchone()[0]
    paper_store.upsert_papers(db, seeds[:10])
    assert db.execute("SELECT generation FROM term_df_meta").fetchone()[0] == generation  # nothing rewritten

    revised = replace(seeds[0], abstract="Tokamak plasma confinement with magnetic coils.", version=2)
    paper_store.upsert_papers(db, [revised])
    _, got = vectors.load_rows(db, [revised.arxiv_id])
    assert (got != paper_rows([revised])).nnz == 0
    assert_frequencies_match_the_rows(db)
    vec = db.execute("SELECT id FROM paper_vectors WHERE arxiv_id = ?", [revised.arxiv_id]).fetchone()[0]
    posted = {r[0] for r in db.execute("SELECT col FROM term_postings WHERE vec = ?", [vec])}
    assert posted and posted <= set(got.indices.tolist())  # no posting of the old abstract is left


def test_a_store_without_rows_upgrades_in_bounded_batches(db: Database, seeds: list[Paper]) -> None:
    # What a paperbot from before m010 wrote: papers, no rows.
    db["papers"].insert_all({"arxiv_id": p.arxiv_id, "title": p.title, "abstract": p.abstract,
                             "authors": json.dumps(list(p.authors)), "stored_at": "2026-01-27T00:00:00+00:00"}
                            for p in seeds)
    assert vectors.missing_count(db) == len(seeds) == 74
    batches, below = [], None
    while True:
        n, below = vectors.fill_missing(db, limit=20, below=below)
        batches.append(n)
        if below is None:
            break
    assert batches == [20, 20, 20, 14]
    assert vectors.missing_count(db) == 0
    assert vectors.fill_missing(db, limit=20) == (0, None)
    assert_frequencies_match_the_rows(db)
    found = similar.similar_papers(db, paper_store.get_paper(db, "2601.18089"), limit=5)
    assert found and all("MoE" in p.title or "Expert" in p.title or "Mixture" in p.abstract for p, _ in found)


def test_a_paper_not_stored_is_compared_without_being_stored(db: Database, seeds: list[Paper]) -> None:
    paper_store.upsert_papers(db, seeds)
    outsider = replace(seeds[0], arxiv_id="2699.00001")
    found = similar.similar_papers(db, outsider, limit=3)
    assert found[0][0].arxiv_id == seeds[0].arxiv_id  # the same text: cosine 1
    assert found[0][1] == pytest.approx(1.0, abs=1e-5)
    assert vectors.load_rows(db, [outsider.arxiv_id])[0] == []
