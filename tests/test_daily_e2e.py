"""`paperbot daily` end to end: the real ArxivSource, OpenAIChat and LLMScorer against local fakes."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from bot.__main__ import main
from bot.core.models import ListingEntry, Paper
from tests.fakes.arxiv_server import ArxivServer, Reply, render_rss
from tests.fakes.openai_server import ids_in

FIX = Path(__file__).resolve().parent / "fixtures"
DAY = date(2026, 1, 27)


def seed_day() -> tuple[list[Paper], dict[str, dict]]:
    """The 37 real papers of the 2026-01-27 seed digest, and what gpt-5 said about each."""
    rows = [json.loads(x) for x in (FIX / "seed_papers.jsonl").read_text().splitlines()]
    rows = [r for r in rows if r["digest_date"] == DAY.isoformat()]
    papers = [Paper(r["arxiv_id"], r["title"], r["abstract"], tuple(r["authors"]), ("cs.LG",)) for r in rows]
    return papers, {r["arxiv_id"]: r for r in rows}


def recorded_answer(recorded: dict[str, dict]):
    """An answer hook: each paper in the prompt gets its recorded scores (3/3 if unknown)."""

    def answer(request: dict) -> str:
        out = []
        for pid in ids_in(request):
            r = recorded.get(pid)
            out.append({"id": pid, "relevance": r["relevance"] if r else 3, "novelty": r["novelty"] if r else 3,
                        "comment": r["comment"] if r else "Unrelated to the criteria."})
        return json.dumps({"papers": out})

    return answer


def write_config(tmp_path: Path, arxiv: ArxivServer, *, extra: str = "") -> Path:
    text = (Path(__file__).resolve().parents[1] / "config.toml").read_text()
    text = text.replace('path = "data/paperbot.db"', f'path = "{tmp_path / "bot.db"}"')
    text = text.replace('rss_url = "https://rss.arxiv.org/rss/{categories}"', f'rss_url = "{arxiv.url}/rss/{{categories}}"')
    text = text.replace('api_url = "https://export.arxiv.org/api/query"', f'api_url = "{arxiv.api_url}"')
    text = text.replace("min_interval_s = 3.0", "min_interval_s = 0.0")
    f = tmp_path / "config.toml"
    f.write_text(text + extra)
    return f


def run_json(capsys, *argv: str) -> dict:
    assert main(list(argv)) == 0
    out = capsys.readouterr().out.strip().splitlines()
    return json.loads(out[-1])


def test_daily_json_replayed_day_then_rerun_costs_nothing(tmp_path, capsys, arxiv_server: ArxivServer, env) -> None:
    papers, recorded = seed_day()
    arxiv_server.rss("cs.LG+cs.AI", render_rss([ListingEntry(p, "new") for p in papers], day=DAY,
                                                 categories="cs.LG+cs.AI"))
    env.answer = recorded_answer(recorded)
    cfg = write_config(tmp_path, arxiv_server)
    first = run_json(capsys, "--config", str(cfg), "daily", "--date", DAY.isoformat(), "--dry-run", "--format", "json")
    calls = len(env.requests)
    assert first["date"] == "2026-01-27" and first["team"] == "foundations"
    assert first["scorer"].startswith("llm:")
    assert first["counts"]["listed"] == 37 and first["llm"]["calls"] == calls > 0
    picked = {p["arxiv_id"] for p in first["papers"]}
    expected = {i for i, r in recorded.items() if r["relevance"] >= 8 and r["novelty"] >= 7}
    assert len(picked & expected) >= 0.97 * len(expected)
    ranks = [(p["relevance"] or 0) + (p["novelty"] or 0) for p in first["papers"] if not p["author_match"]]
    assert ranks == sorted(ranks, reverse=True)
    for key in ("arxiv_id", "title", "authors", "relevance", "novelty", "comment", "author_match"):
        assert key in first["papers"][0]
    second = run_json(capsys, "--config", str(cfg), "daily", "--date", DAY.isoformat(), "--dry-run", "--format", "json")
    assert len(env.requests) == calls, "re-running a day must not call the LLM again"
    assert second["papers"] == first["papers"] and second["llm"]["calls"] == 0


def test_watched_author_always_makes_the_digest(tmp_path, capsys, arxiv_server: ArxivServer, env) -> None:
    papers, recorded = seed_day()
    extra = Paper("2601.99991", "A paper nobody would pick", "Cooking recipes with neural nets.",
                  ("Yoshua Bengio", "Someone Else"), ("cs.LG",))
    arxiv_server.rss("cs.LG+cs.AI", render_rss([ListingEntry(p, "new") for p in [*papers, extra]], day=DAY,
                                                 categories="cs.LG+cs.AI"))
    env.answer = recorded_answer(recorded)
    out = run_json(capsys, "--config", str(write_config(tmp_path, arxiv_server)), "daily", "--dry-run",
                   "--format", "json")
    top = out["papers"][0]
    assert top["arxiv_id"] == "2601.99991" and top["author_match"] is True


def test_empty_day_is_normal(tmp_path, capsys, arxiv_server: ArxivServer, env) -> None:
    arxiv_server.rss("cs.LG+cs.AI", render_rss([], day=DAY, categories="cs.LG+cs.AI"))
    assert main(["--config", str(write_config(tmp_path, arxiv_server)), "daily", "--dry-run"]) == 0
    assert "No new arXiv announcement" in capsys.readouterr().out
    assert env.requests == []


def test_arxiv_503_then_success(tmp_path, capsys, arxiv_server: ArxivServer, env) -> None:
    papers, recorded = seed_day()
    feed = render_rss([ListingEntry(p, "new") for p in papers[:5]], day=DAY, categories="cs.LG+cs.AI")
    arxiv_server.add("/rss/cs.LG+cs.AI", Reply(503, b"busy", {"Retry-After": "1"}), Reply(200, feed))
    env.answer = recorded_answer(recorded)
    out = run_json(capsys, "--config", str(write_config(tmp_path, arxiv_server)), "daily", "--dry-run",
                   "--format", "json")
    assert out["counts"]["listed"] == 5


def test_local_ranker_without_llm(tmp_path, capsys, arxiv_server: ArxivServer, monkeypatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    papers, _ = seed_day()
    arxiv_server.rss("cs.LG+cs.AI", render_rss([ListingEntry(p, "new") for p in papers], day=DAY,
                                                 categories="cs.LG+cs.AI"))
    out = run_json(capsys, "--config", str(write_config(tmp_path, arxiv_server)), "daily", "--dry-run",
                   "--format", "json")
    assert out["scorer"].startswith("local") and out["llm"]["calls"] == 0
    assert out["papers"], "the local ranker must pick something from a day of on-topic papers"
    assert main(["--config", str(write_config(tmp_path, arxiv_server)), "daily", "--dry-run"]) == 0
    assert "local ranker" in capsys.readouterr().out


def test_malformed_llm_answer_is_retried_and_nothing_silently_dropped(tmp_path, capsys, arxiv_server, env) -> None:
    papers, recorded = seed_day()
    arxiv_server.rss("cs.LG+cs.AI", render_rss([ListingEntry(p, "new") for p in papers[:6]], day=DAY,
                                                 categories="cs.LG+cs.AI"))
    env.push("I'm sorry, I cannot help with that.")  # prose, not JSON
    env.answer = recorded_answer(recorded)
    out = run_json(capsys, "--config", str(write_config(tmp_path, arxiv_server)), "daily", "--dry-run",
                   "--format", "json")
    assert out["counts"]["unscored"] == 0
    assert out["llm"]["calls"] >= 2


def test_llm_down_leaves_papers_unscored_for_next_run(tmp_path, capsys, arxiv_server, env) -> None:
    from tests.fakes.openai_server import HTTPError

    papers, recorded = seed_day()
    arxiv_server.rss("cs.LG+cs.AI", render_rss([ListingEntry(p, "new") for p in papers[:6]], day=DAY,
                                                 categories="cs.LG+cs.AI"))
    env.answer = lambda req: HTTPError.server_error(500)
    cfg = write_config(tmp_path, arxiv_server)
    out = run_json(capsys, "--config", str(cfg), "daily", "--date", DAY.isoformat(), "--dry-run", "--format", "json")
    assert out["counts"]["unscored"] > 0
    env.answer = recorded_answer(recorded)
    again = run_json(capsys, "--config", str(cfg), "daily", "--date", DAY.isoformat(), "--dry-run", "--format", "json")
    assert again["counts"]["unscored"] == 0


def test_config_error_exit_code(tmp_path, capsys) -> None:
    f = tmp_path / "bad.toml"
    f.write_text('[arxiv]\ncategories = ["cs.NOPE"]\n[[teams]]\nname="x"\n[teams.criteria]\ntopics="y"\n')
    assert main(["--config", str(f), "daily", "--dry-run"]) == 2
    assert "arxiv.categories" in capsys.readouterr().err


def test_demo_prints_a_seed_like_digest(capsys) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "Daily arXiv papers" in out and "Relevance" in out and "ArXiv ID:" in out
    assert "LongCat-Flash-Thinking-2601" in out
