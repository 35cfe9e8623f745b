"""`paperbot export` on a store holding the two seed digests, votes and a criteria change."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from pybtex.database import parse_string

from bot.__main__ import main
from storage import criteria as criteria_store
from storage import votes
from storage.db import Store
from tests.handlers.seeding import TEAM, seed_store
from tests.support import make_config

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def store_config(tmp_path: Path) -> tuple[Path, dict]:
    """A config file over a seeded store; and what the store holds."""
    db = tmp_path / "bot.db"
    config = make_config(tmp_path)
    store = Store.open(db)
    try:
        by_day = seed_store(store)
        cv = store.sync(criteria_store.ensure_team, TEAM, config.teams[0].criteria)
        store.sync(criteria_store.save_criteria, TEAM, cv.criteria, author="console:alice", change="no-op edit",
                   expected_version=cv.version)
        first = by_day["2026-01-27"][0].paper.arxiv_id
        store.sync(votes.set_vote, team=TEAM, arxiv_id=first, platform="slack", user="U1", value=1)
        store.sync(votes.set_vote, team=TEAM, arxiv_id=first, platform="discord", user="42", value=-1)
        store.sync(votes.set_vote, team=TEAM, arxiv_id="2601.99999", platform="slack", user="U1", value=1)
    finally:
        store.close()
    text = (ROOT / "config.toml").read_text().replace('path = "data/paperbot.db"', f'path = "{db}"')
    path = tmp_path / "config.toml"
    path.write_text(text)
    picks = sum(len(p) for p in by_day.values())
    papers = {p.paper.arxiv_id for ps in by_day.values() for p in ps}
    return path, {"picks": picks, "papers": papers, "first": first}


def test_json_holds_papers_picks_votes_and_criteria_history(store_config, tmp_path: Path, capsys) -> None:
    cfg, held = store_config
    out = tmp_path / "export.json"
    assert main(["--config", str(cfg), "export", "--format", "json", "--out", str(out)]) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["teams"] == [TEAM] and len(doc["picks"]) == held["picks"]
    assert {p["arxiv_id"] for p in doc["papers"]} == held["papers"]  # the unknown voted id has no paper row
    assert [p["day"] for p in doc["picks"]] == sorted(p["day"] for p in doc["picks"])
    first = next(p for p in doc["picks"] if p["arxiv_id"] == held["first"])
    assert first["votes"] == 0  # +1 on Slack, -1 on Discord
    assert sorted((v["platform"], v["value"]) for v in doc["votes"]) == [("discord", -1), ("slack", 1), ("slack", 1)]
    assert [(c["version"], c["author"]) for c in doc["criteria_history"]] == [(1, "config"), (2, "console:alice")]
    assert doc["criteria_history"][0]["criteria"]["relevance_cutoff"] == 8
    assert f"{held['picks']} picks" in capsys.readouterr().err


def test_csv_and_bibtex(store_config, tmp_path: Path, capsys) -> None:
    cfg, held = store_config
    assert main(["--config", str(cfg), "export", "--format", "csv", "--team", TEAM]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out, newline="")))
    assert len(rows) == held["picks"] and {r["arxiv_id"] for r in rows} == held["papers"]
    out = tmp_path / "picks.bib"
    assert main(["--config", str(cfg), "export", "--format", "bibtex", "--out", str(out)]) == 0
    entries = parse_string(out.read_text(encoding="utf-8"), "bibtex").entries
    assert {e.fields["eprint"] for e in entries.values()} == held["papers"]
    assert all(e.fields["archivePrefix"] == "arXiv" for e in entries.values())


def test_unknown_team_or_missing_database(store_config, tmp_path: Path, capsys) -> None:
    cfg, _ = store_config
    assert main(["--config", str(cfg), "export", "--team", "nobody"]) == 2
    assert "no team named 'nobody'" in capsys.readouterr().err
    missing = tmp_path / "missing.toml"
    missing.write_text(cfg.read_text().replace(str(tmp_path / "bot.db"), str(tmp_path / "nope.db")))
    assert main(["--config", str(missing), "export"]) == 1
    assert "no database at" in capsys.readouterr().err
    assert not (tmp_path / "nope.db").exists()
