"""team_examples: the labelled examples the ranker reads (an in-memory-like temp store, public API only)."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage import examples
from storage.db import CHUNK, Store


def test_examples_are_per_team_relabelled_in_place_and_counted_once(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "x.db")
    try:
        assert store.sync(examples.add_examples, "a", ["2601.1", "2601.2", "2601.1"], source="import:x.bib",
                          added_by="cli:me") == 2
        assert store.sync(examples.add_examples, "b", ["2601.1"]) == 1
        assert store.sync(examples.add_examples, "a", ["2601.2"], label=examples.NEGATIVE) == 0
        assert store.sync(examples.team_examples, "a") == {"2601.1": 1, "2601.2": -1}
        assert store.sync(examples.team_examples, "b") == {"2601.1": 1}
        assert store.sync(examples.team_examples, "nobody") == {}
        with pytest.raises(ValueError, match="label"):
            store.sync(examples.add_examples, "a", ["2601.3"], label=5)
    finally:
        store.close()


def test_a_long_reading_list_is_written_in_short_write_transactions(tmp_path: Path) -> None:
    # Each write transaction holds the one write lock (BEGIN IMMEDIATE): a 1,234-entry list takes three
    # short ones (storage.db.CHUNK rows each), so the bot's votes wait milliseconds, not the whole import.
    store = Store.open(tmp_path / "x.db")
    try:
        statements: list[str] = []
        store.db.conn.set_trace_callback(statements.append)
        ids = [f"2601.{i:05d}" for i in range(1234)]
        assert store.sync(examples.add_examples, "a", ids) == 1234
        store.db.conn.set_trace_callback(None)
        assert statements.count("BEGIN IMMEDIATE") == -(-1234 // CHUNK) == 3
        assert list(store.sync(examples.team_examples, "a")) == ids
    finally:
        store.close()
