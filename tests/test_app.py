"""Composition root and one-shot commands: start-up catch-up, doctor, backfill, ask."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.__main__ import main
from bot.app import build_deps, catch_up, fill_rows
from bot.core.models import ListingEntry, Paper
from bot.platforms.registry import ChatPlatform
from handlers.daily import run_daily
from storage import jobs, posts, vectors
from storage import papers as paper_store
from tests.fakes.arxiv_server import ArxivServer, render_rss
from tests.handlers.seeding import cards, reply
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
    deps.platforms = {"console": ChatPlatform("console", chat)}
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


async def test_a_store_from_before_term_rows_gets_them_in_the_background(tmp_path: Path) -> None:
    deps = build_deps(make_config(tmp_path))
    papers = _papers(74)
    # What paperbot wrote before rows existed: papers only.
    deps.store.sync(lambda db: db["papers"].insert_all(
        {"arxiv_id": p.arxiv_id, "title": p.title, "abstract": p.abstract, "authors": json.dumps(p.authors),
         "stored_at": "2026-01-27T00:00:00+00:00"} for p in papers))
    try:
        before = await reply(deps, "/papers like 2601.18089")
        assert "No stored paper shares enough words with this one." in before.fallback
        assert await fill_rows(deps, batch=16, pause_s=0) == 73  # the paper asked about got its row then
        assert await deps.store.call(vectors.missing_count) == 0
        after = cards(await reply(deps, "/papers like 2601.18089"))
        assert after[0].arxiv_id == "2601.17111"  # Least-Loaded Expert Parallelism
        assert await fill_rows(deps) == 0
    finally:
        deps.store.close()


def _feed_today(arxiv_server: ArxivServer, tmp_path: Path, **schedule: object):
    """A config whose arXiv is the fake server, serving a feed of five papers for today (UTC)."""
    arxiv_server.rss("cs.LG+cs.AI", render_rss([ListingEntry(p, "new") for p in _papers()],
                                                 day=datetime.now(UTC).date(), categories="cs.LG+cs.AI"))
    return make_config(tmp_path, arxiv={"rss_url": arxiv_server.url + "/rss/{categories}",
                                        "api_url": arxiv_server.api_url, "min_interval_s": 0.0},
                       schedule={"misfire_grace_s": 3600, **schedule})


async def test_catch_up_reads_yesterday_s_run_in_the_team_s_timezone(tmp_path: Path, arxiv_server: ArxivServer) -> None:
    # Los Angeles at 17:00 is 01:00 UTC the next day: yesterday's run carries today's UTC date.
    config = _feed_today(arxiv_server, tmp_path, timezone="America/Los_Angeles", daily_time="17:00")
    deps = build_deps(config)
    chat = FakeChat()
    deps.platforms = {"console": ChatPlatform("console", chat)}
    today_1720 = datetime(2026, 3, 3, 17, 20, tzinfo=ZoneInfo("America/Los_Angeles"))
    yesterday_1705 = datetime(2026, 3, 2, 17, 5, tzinfo=ZoneInfo("America/Los_Angeles")).astimezone(UTC)
    try:
        job = deps.store.sync(jobs.start_job, "daily", team="foundations")
        deps.store.sync(jobs.finish_job, job, status="ok")
        deps.store.sync(lambda db: db.execute("UPDATE job_runs SET started_at = ?", [yesterday_1705.isoformat()]))
        assert await catch_up(config, deps, now=today_1720) == ["foundations"]
        assert chat.posts and chat.posts[0][2].key == "parent"
    finally:
        deps.store.close()


async def test_a_dry_run_or_an_older_day_does_not_count_as_today_s_digest(tmp_path: Path,
                                                                           arxiv_server: ArxivServer) -> None:
    config = _feed_today(arxiv_server, tmp_path, daily_time="09:00")
    deps = build_deps(config)
    deps.platforms = {"console": ChatPlatform("console", FakeChat())}
    today = datetime.now(UTC).date()
    at_0920 = datetime.combine(today, time(9, 20), tzinfo=UTC)
    older = date(2026, 1, 27)
    try:
        deps.store.sync(paper_store.save_listing, older, [ListingEntry(p, "new") for p in _papers(3)])
        await run_daily(config.teams[0], deps, dry_run=True)  # an admin checking the config: posts nothing
        await run_daily(config.teams[0], deps, day=older)  # a re-post of an older day
        assert deps.store.sync(posts.posts_for, team="foundations", kind="daily", period=today.isoformat()) == []
        assert await catch_up(config, deps, now=at_0920) == ["foundations"]
        assert deps.store.sync(posts.posts_for, team="foundations", kind="daily", period=today.isoformat())
        assert await catch_up(config, deps, now=at_0920) == []  # today's digest is out: once
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


def test_backfill_skips_blank_lines_and_names_a_bad_line(tmp_path: Path, capsys, arxiv_server: ArxivServer) -> None:
    good = [{"arxiv_id": p.arxiv_id + "v2", "title": p.title, "authors": list(p.authors), "abstract": p.abstract,
             "categories": ["cs.LG"]} for p in _papers(3)]
    f = tmp_path / "listings.jsonl"
    f.write_text(json.dumps(good[0]) + "\n\n" + json.dumps(good[1]) + "\n{not json\n" + json.dumps(good[2]) + "\n")
    cfg = str(_config_file(tmp_path, arxiv_server))
    assert main(["--config", cfg, "backfill", str(f)]) == 1
    err = capsys.readouterr().err
    assert f"{f}:4: not a JSON object" in err and "loaded 2 papers" in err and "Traceback" not in err
    assert main(["--config", cfg, "ask", f"/papers show {good[1]['arxiv_id']}"]) == 0  # stored without the version
    assert good[1]["title"] in capsys.readouterr().out
    assert main(["--config", cfg, "backfill", str(tmp_path / "missing.jsonl")]) == 1
    assert "cannot read" in capsys.readouterr().err
