"""Composition root and one-shot commands: start-up catch-up, doctor, backfill, ask."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

from bot.__main__ import main
from bot.app import build_deps, catch_up
from bot.core.models import ListingEntry, Paper
from storage import jobs
from tests.fakes.arxiv_server import ArxivServer, render_rss
from tests.support import FakeChat, make_config

FIX = Path(__file__).resolve().parent / "fixtures"


def _papers(n: int = 5) -> list[Paper]:
    rows = [json.loads(x) for x in (FIX / "seed_papers.jsonl").read_text().splitlines()][:n]
    return [Paper(r["arxiv_id"], r["title"], r["abstract"], tuple(r["authors"]), ("cs.LG",)) for r in rows]


async def test_catch_up_posts_a_missed_digest_once(tmp_path: Path, arxiv_server: ArxivServer) -> None:
    today = datetime.now(UTC).date()
    arxiv_server.rss("cs.LG+cs.AI", render_rss([ListingEntry(p, "new") for p in _papers()], day=today,
                                                 categories="cs.LG+cs.AI"))
    config = make_config(tmp_path, arxiv={"rss_url": arxiv_server.url + "/rss/{categories}",
                                          "api_url": arxiv_server.api_url, "min_interval_s": 0.0},
                         schedule={"daily_time": "09:00", "misfire_grace_s": 3600})
    deps = build_deps(config)
    chat = FakeChat()
    deps.chats = {"console": chat}
    at_0920 = datetime.combine(today, datetime.min.time(), tzinfo=UTC).replace(hour=9, minute=20)
    try:
        assert await catch_up(config, deps, now=at_0920) == ["foundations"]
        posted = len(chat.posts)
        assert posted >= 1 and chat.posts[0][2].key == "parent"
        assert await catch_up(config, deps, now=at_0920) == []  # already done today: once
        assert len(chat.posts) == posted
        before_time = at_0920.replace(hour=8, minute=0)
        assert await catch_up(config, deps, now=before_time) == []  # not due yet
        last = await deps.store.call(jobs.last_job, "daily", team="foundations")
        assert last["status"] == "ok"
    finally:
        deps.store.close()


def _config_file(tmp_path: Path, arxiv: ArxivServer, llm_url: str = "") -> Path:
    text = (Path(__file__).resolve().parents[1] / "config.toml").read_text()
    text = text.replace('path = "data/paperbot.db"', f'path = "{tmp_path / "bot.db"}"')
    text = text.replace('rss_url = "https://rss.arxiv.org/rss/{categories}"', f'rss_url = "{arxiv.url}/rss/{{categories}}"')
    text = text.replace('base_url = ""', f'base_url = "{llm_url}"')
    f = tmp_path / "config.toml"
    f.write_text(text)
    return f


def test_doctor_reports_each_check(tmp_path: Path, capsys, arxiv_server: ArxivServer, openai_server,
                                   monkeypatch) -> None:
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "SLACK_BOT_TOKEN", "DISCORD_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    arxiv_server.rss("cs.LG+cs.AI", render_rss([], day=datetime.now(UTC).date(), categories="cs.LG+cs.AI"))
    assert main(["--config", str(_config_file(tmp_path, arxiv_server, openai_server.base_url)), "doctor"]) == 0
    out = capsys.readouterr().out
    assert "[ok  ] arXiv RSS feed" in out and "[ok  ] LLM" in out and "[skip] Slack" in out
    # An LLM server that is not there: doctor says so and fails.
    bad = _config_file(tmp_path, arxiv_server, "http://127.0.0.1:9/v1")
    assert main(["--config", str(bad), "doctor"]) == 1
    assert "[FAIL] LLM" in capsys.readouterr().out


def test_backfill_then_search(tmp_path: Path, capsys, arxiv_server: ArxivServer) -> None:
    rows = [{"arxiv_id": p.arxiv_id, "title": p.title, "authors": list(p.authors), "abstract": p.abstract,
             "categories": ["cs.LG"], "listing_dates": ["2026-01-27"]} for p in _papers(8)]
    f = tmp_path / "listings.jsonl.gz"
    with gzip.open(f, "wt") as out:
        out.write("\n".join(json.dumps(r) for r in rows))
    cfg = str(_config_file(tmp_path, arxiv_server))
    assert main(["--config", cfg, "backfill", str(f)]) == 0
    assert "loaded 8 papers" in capsys.readouterr().err
    assert main(["--config", cfg, "ask", "/papers search LongCat"]) == 0
    assert "LongCat-Flash-Thinking-2601" in capsys.readouterr().out
