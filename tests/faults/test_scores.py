"""Scores are validated, not repaired: a model answering relevance 42 / novelty -3 gets asked again, then
the papers stay unscored (never clamped, never cached) and the next run scores them.

`paperbot daily` end to end: the real ArxivSource, OpenAIChat and LLMScorer against the local fakes.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from typing import Any

from bot.__main__ import main
from bot.core.models import ListingEntry
from tests.fakes.arxiv_server import ArxivServer, render_rss
from tests.fakes.openai_server import FakeOpenAI, ids_in
from tests.test_daily_e2e import DAY, recorded_answer, run_json, seed_day, write_config


def wild(request: dict[str, Any]) -> str:
    """A broken model: every paper gets relevance 42 and novelty -3 (what the issue saw)."""
    return json.dumps({"papers": [{"id": i, "comment": "Amazing.", "relevance": 42, "novelty": -3}
                                  for i in ids_in(request)]})


def stored(db_path: str) -> list[sqlite3.Row]:
    """Every stored score row."""
    con = sqlite3.connect(db_path)
    con.row_factory = sqlite3.Row
    try:
        return list(con.execute("SELECT * FROM scores"))
    finally:
        con.close()


def test_out_of_range_scores_are_retried_then_unscored_then_scored_next_run(
        tmp_path, capsys, arxiv_server: ArxivServer, openai_server: FakeOpenAI, monkeypatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", openai_server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    papers, recorded = seed_day()
    arxiv_server.rss("cs.LG+cs.AI", render_rss([ListingEntry(p, "new") for p in papers], day=DAY,
                                                 categories="cs.LG+cs.AI"))
    cfg = str(write_config(tmp_path, arxiv_server))
    expected = {i for i, r in recorded.items() if r["relevance"] >= 8 and r["novelty"] >= 7}
    assert len(expected) >= 30

    openai_server.answer = wild
    first = run_json(capsys, "--config", cfg, "daily", "--date", DAY.isoformat(), "--dry-run", "--format", "json")
    asked = Counter(i for r in openai_server.requests for i in ids_in(r))
    assert all(asked[p.arxiv_id] >= 2 for p in papers), "each rejected paper is asked again before giving up"
    assert first["papers"] == [] and set(first["unscored"]) == {p.arxiv_id for p in papers}
    rows = stored(str(tmp_path / "bot.db"))
    assert {r["status"] for r in rows} == {"unscored"}
    assert all(r["relevance"] is None and r["novelty"] is None for r in rows), "nothing clamped to 10/1 is kept"

    # The model is fixed: the next run asks again for every unscored paper and picks the true picks.
    before = len(openai_server.requests)
    openai_server.answer = recorded_answer(recorded)
    second = run_json(capsys, "--config", cfg, "daily", "--date", DAY.isoformat(), "--dry-run", "--format", "json")
    again = {i for r in openai_server.requests[before:] for i in ids_in(r)}
    assert again == {p.arxiv_id for p in papers}
    assert {p["arxiv_id"] for p in second["papers"]} >= expected and second["unscored"] == []
    assert all(1 <= r["relevance"] <= 10 and 1 <= r["novelty"] <= 10 for r in stored(str(tmp_path / "bot.db")))


def test_some_bad_entries_in_a_batch_only_those_are_asked_again(
        tmp_path, capsys, arxiv_server: ArxivServer, openai_server: FakeOpenAI, monkeypatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", openai_server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    papers, recorded = seed_day()
    papers = papers[:12]
    arxiv_server.rss("cs.LG+cs.AI", render_rss([ListingEntry(p, "new") for p in papers], day=DAY,
                                                 categories="cs.LG+cs.AI"))
    bad = {papers[1].arxiv_id: {"relevance": 42}, papers[4].arxiv_id: {"novelty": "-3"},
           papers[7].arxiv_id: {"relevance": None}}
    good = recorded_answer(recorded)
    first_answers: set[str] = set()

    def answer(request: dict[str, Any]) -> str:
        out = json.loads(good(request))
        for entry in out["papers"]:
            if entry["id"] in bad and entry["id"] not in first_answers:  # wrong the first time only
                first_answers.add(entry["id"])
                entry.update(bad[entry["id"]])
        return json.dumps(out)

    openai_server.answer = answer
    cfg = str(write_config(tmp_path, arxiv_server))
    out = run_json(capsys, "--config", cfg, "daily", "--date", DAY.isoformat(), "--dry-run", "--format", "json")
    assert out["unscored"] == [] and len(openai_server.requests) == 2
    assert set(ids_in(openai_server.requests[1])) == set(bad), "the retry asks only for the rejected papers"
    scores = {r["arxiv_id"]: (r["relevance"], r["novelty"]) for r in stored(str(tmp_path / "bot.db"))}
    assert all(scores[i] == (recorded[i]["relevance"], recorded[i]["novelty"]) for i in bad)
    con = sqlite3.connect(str(tmp_path / "bot.db"))
    errors = [e for (e,) in con.execute("SELECT error FROM llm_calls ORDER BY id")]
    con.close()
    assert "relevance '42' not in 1-10" in errors[0] and errors[1] == ""
    assert main(["--config", cfg, "daily", "--date", DAY.isoformat(), "--dry-run"]) == 0
