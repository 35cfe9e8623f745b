"""team_examples: the labelled examples the ranker reads (an in-memory-like temp store, public API only)."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage import examples
from storage.db import Store


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
