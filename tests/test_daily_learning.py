"""`paperbot daily` teaches the persisted team model, lists every candidate's decision, and `/papers why` explains it.

The real ArxivSource, OpenAIChat and LLMScorer against local fakes, two replayed seed days.
"""

from __future__ import annotations

import json
from datetime import date

from bot.__main__ import main
from bot.core.models import ListingEntry, Paper
from storage.db import open_db
from storage.team_models import load_model
from storage.votes import set_vote
from tests.core.selection_data import background
from tests.fakes.arxiv_server import ArxivServer, render_rss
from tests.fakes.openai_server import FakeOpenAI
from tests.test_daily_e2e import FIX, recorded_answer, run_json, write_config

DAY1, DAY2 = date(2026, 1, 27), date(2026, 2, 5)


def seed(day: date) -> tuple[list[Paper], dict[str, dict]]:
    """A seed digest day's papers and their recorded verdicts."""
    rows = [json.loads(x) for x in (FIX / "seed_papers.jsonl").read_text().splitlines()]
    rows = [r for r in rows if r["digest_date"] == day.isoformat()]
    papers = [Paper(r["arxiv_id"], r["title"], r["abstract"], tuple(r["authors"]), ("cs.LG",)) for r in rows]
    return papers, {r["arxiv_id"]: r for r in rows}


def readme_json_example() -> dict:
    """The `paperbot daily --format json` example object in README.md."""
    text = (FIX.parents[1] / "README.md").read_text(encoding="utf-8")
    section = text.split("### `paperbot daily --format json`", 1)[1]
    return json.loads(section.split("```json", 1)[1].split("```", 1)[0].replace("…", "x"))


def serve_day(arxiv: ArxivServer, papers: list[Paper], day: date) -> None:
    """The arXiv feed shows `papers` as `day`'s announcement."""
    arxiv.rss("cs.LG+cs.AI", render_rss([ListingEntry(p, "new") for p in papers], day=day, categories="cs.LG+cs.AI"))


def test_the_model_learns_each_new_day_once_and_is_stored(tmp_path, capsys, arxiv_server: ArxivServer,
                                                          env: FakeOpenAI) -> None:
    papers, recorded = seed(DAY1)
    day1 = [*papers, *background()[:30]]
    serve_day(arxiv_server, day1, DAY1)
    env.answer = recorded_answer(recorded)
    cfg = str(write_config(tmp_path, arxiv_server))
    first = run_json(capsys, "--config", cfg, "daily", "--dry-run", "--format", "json")
    db = open_db(tmp_path / "bot.db")
    stored = load_model(db, "foundations")
    assert stored is not None and stored.last_day == DAY1.isoformat() and stored.model.trained
    picks = sum(1 for r in recorded.values() if r["relevance"] and r["relevance"] >= 8 and r["novelty"] >= 7)
    assert stored.model.positives == picks  # every LLM pick of the day, learned once
    # Every candidate is listed with a decision and a local score; the picks are the "picked" ones.
    cands = {c["arxiv_id"]: c for c in first["candidates"]}
    assert set(cands) == {p.arxiv_id for p in day1}
    assert all(c["local_score"] is not None for c in cands.values())
    assert {c["arxiv_id"] for c in cands.values() if c["decision"] in ("picked", "author match")} == \
        {p["arxiv_id"] for p in first["papers"]}
    assert {c["decision"] for c in cands.values()} <= {"picked", "below cut-offs", "prefiltered", "excluded",
                                                      "author match", "unscored"}
    # The README's JSON example has the shape the command prints.
    doc = readme_json_example()
    assert set(doc) == set(first) and set(doc["candidates"][0]) == set(first["candidates"][0])
    assert set(doc["timings"]) == set(first["timings"]) and first["timings"]["ranker_s"] > 0
    # A re-run of the same day costs nothing and teaches nothing twice.
    run_json(capsys, "--config", cfg, "daily", "--date", DAY1.isoformat(), "--dry-run", "--format", "json")
    assert load_model(db, "foundations").model.positives == picks  # type: ignore[union-attr]
    # The next day is learned on top of the stored model, not from scratch.
    papers2, recorded2 = seed(DAY2)
    serve_day(arxiv_server, [*papers2, *background()[30:]], DAY2)
    env.answer = recorded_answer({**recorded, **recorded2})
    run_json(capsys, "--config", cfg, "daily", "--dry-run", "--format", "json")
    after = load_model(db, "foundations")
    assert after is not None and after.last_day == DAY2.isoformat() and after.model.positives > picks
    assert after.model.days == stored.model.days + 1


def test_papers_why_explains_a_pick_a_non_pick_and_a_stranger(tmp_path, capsys, arxiv_server: ArxivServer,
                                                               env: FakeOpenAI) -> None:
    papers, recorded = seed(DAY1)
    serve_day(arxiv_server, [*papers, *background()[:30]], DAY1)
    env.answer = recorded_answer(recorded)
    cfg = str(write_config(tmp_path, arxiv_server))
    out = run_json(capsys, "--config", cfg, "daily", "--dry-run", "--format", "json")
    pick = next(p for p in out["papers"] if not p["author_match"])
    other = next(c for c in out["candidates"] if c["decision"] in ("below cut-offs", "prefiltered"))

    def ask(line: str) -> str:
        assert main(["--config", cfg, "ask", line]) == 0
        return capsys.readouterr().out

    said = ask(f"/papers why {pick['arxiv_id']}")
    assert "2026-01-27" in said and "picked" in said and f"relevance {pick['relevance']:g}" in said
    said = ask(f"/papers why https://arxiv.org/abs/{other['arxiv_id']}")
    assert "not picked" in said and ("never sent to the LLM" in said or "the LLM scored it" in said)
    assert "ranked" in said and "of 67" in said
    said = ask("/papers why")
    assert "Give one arXiv id" in said


def test_votes_teach_a_team_without_an_llm(tmp_path, capsys, arxiv_server: ArxivServer, monkeypatch) -> None:
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    papers, _ = seed(DAY1)
    serve_day(arxiv_server, [*papers, *background()[:30]], DAY1)
    cfg = str(write_config(tmp_path, arxiv_server))
    first = run_json(capsys, "--config", cfg, "daily", "--dry-run", "--format", "json")
    assert first["scorer"].startswith("local:")
    rank = lambda out: [c["arxiv_id"] for c in out["candidates"]]  # noqa: E731 - best local score first
    before = rank(first)
    liked, disliked = before[-3:], before[:3]  # the team disagrees with the ranker at both ends
    for pid in liked:
        assert main(["--config", cfg, "ask", f"/papers upvote {pid}"]) == 0
    db = open_db(tmp_path / "bot.db")
    for pid in disliked:  # downvotes through the public votes API (a 👎 ends up as the same row)
        set_vote(db, team="foundations", arxiv_id=pid, platform="slack", user="U2", value=-1)
    capsys.readouterr()
    again = run_json(capsys, "--config", cfg, "daily", "--date", DAY1.isoformat(), "--dry-run", "--format", "json")
    after = rank(again)
    # The votes were learned (stored with the model) and moved those papers the way the team voted.
    assert sum(after.index(p) for p in liked) < sum(before.index(p) for p in liked) - 20
    assert sum(after.index(p) for p in disliked) > sum(before.index(p) for p in disliked)
    # Learned once: a third run with no new votes leaves the order as it is.
    assert rank(run_json(capsys, "--config", cfg, "daily", "--date", DAY1.isoformat(), "--dry-run",
                         "--format", "json")) == after
