"""`paperbot weekly` end to end: real SQLite, the real OpenAIChat client against a local fake OpenAI server.

Picks are 41 real papers of 2025-12-08..12 (tests/fixtures/weekly_week.jsonl) and 300 real picks of
2025-11-17..12-05 with shortened abstracts (weekly_large.jsonl), from the public daily output of
DaizeDong/ChatGPT-ArXiv-Paper-Assistant (Apache-2.0, tests/fixtures/licenses/). The model's answer for the
normal week (weekly_answers.jsonl) was written for this fixture from those abstracts.
"""

from __future__ import annotations

import copy
import json
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.cli_commands import print_weekly
from bot.core.message import Message
from bot.core.models import Digest, ListingEntry, Paper, Pick, Score
from bot.core.render_text import render
from bot.llm.client import OpenAIChat
from bot.llm.weekly import LLMWeeklyWriter
from handlers.deps import Deps
from handlers.weekly import run_weekly
from storage import digests, votes
from storage import papers as paper_store
from storage import weekly as weekly_store
from tests.fakes.openai_server import FakeOpenAI, HTTPError, ids_in, openai_server, user_prompt  # noqa: F401
from tests.support import FakeChat, FixedClock, make_config, make_deps

FIX = Path(__file__).resolve().parents[1] / "fixtures"
WEEK, TEAM = "2025-W50", "foundations"
MONDAY = date(2025, 12, 8)
ANSWER = json.loads((FIX / "weekly_answers.jsonl").read_text(encoding="utf-8").splitlines()[0])["answer"]


def rows(name: str = "weekly_week.jsonl") -> list[dict]:
    return [json.loads(line) for line in (FIX / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def store_picks(deps: Deps, picked: list[dict], *, day_of: Callable[[int, dict], date] | None = None) -> None:
    """Store papers, their listing day and each day's digest, as the daily job does."""
    by_day: dict[date, list[Pick]] = defaultdict(list)
    for i, r in enumerate(picked):
        day = day_of(i, r) if day_of else date.fromisoformat(r["digest_date"])
        paper = Paper(r["arxiv_id"], r["title"], r["abstract"], tuple(r["authors"]), ("cs.LG",))
        by_day[day].append(Pick(paper, Score(r["arxiv_id"], r["relevance"], r["novelty"], r["comment"],
                                             "llm:gpt-5", r["relevance"] is None)))
    for day, picks in by_day.items():
        deps.store.sync(paper_store.save_listing, day, [ListingEntry(p.paper, "new") for p in picks])
        deps.store.sync(digests.save_digest, Digest(TEAM, day, "llm:gpt-5", 700, 400, tuple(picks), 10))


def vote(deps: Deps, arxiv_id: str, n: int) -> None:
    for u in range(n):
        deps.store.sync(votes.set_vote, team=TEAM, arxiv_id=arxiv_id, platform="slack", user=f"U{u}", value=1)


def reduce_answer(request: dict[str, Any]) -> str:
    return json.dumps(ANSWER)


@pytest.fixture
async def chat(openai_server: FakeOpenAI) -> AsyncIterator[OpenAIChat]:  # noqa: F811
    c = OpenAIChat(model="gpt-5-mini", api_key="sk-test", base_url=openai_server.base_url, max_retries=0,
                   timeout_s=10, price_prompt_per_m=0.25, price_completion_per_m=2.0)
    yield c
    await c.aclose()


@pytest.fixture
def deps(tmp_path: Path, chat: OpenAIChat):
    d = make_deps(make_config(tmp_path), chats={"console": FakeChat()}, llm=chat,
                  weekly_writer=LLMWeeklyWriter(chat), clock=FixedClock(datetime(2025, 12, 12, 16, tzinfo=UTC)))
    yield d
    d.store.close()


def posted(deps: Deps) -> list[tuple[str, str | None, Message]]:
    return deps.chats["console"].posts  # type: ignore[attr-defined]


def sql(deps: Deps, query: str, *args: Any) -> list[dict]:
    return deps.store.sync(lambda db: [dict(r) for r in db.query(query, list(args))])


async def test_a_normal_week_is_posted_as_a_thread_with_votes_and_its_cost(deps, openai_server) -> None:  # noqa: F811
    store_picks(deps, rows())
    vote(deps, "2512.10938", 3)
    vote(deps, "2512.07112", 2)  # the answer leaves FOAM out: the team's vote puts it among the notable papers
    openai_server.answer = reduce_answer
    assert await print_weekly(deps.config.teams[0], deps, week=None, dry_run=False, fmt="text", force=False) == 0

    assert len(openai_server.requests) == 1
    request = openai_server.requests[0]
    assert request["response_format"]["json_schema"]["name"] == "weekly_report"
    listed = ids_in(request)
    assert len(listed) == 41 and listed[:2] == ["2512.10938", "2512.07112"]  # most upvoted first
    assert "team votes +3 (upvoted by the team)" in user_prompt(request)

    parent_channel, parent_of, parent = posted(deps)[0]
    assert parent_of is None
    text = render(parent)
    assert text.startswith("== Foundations: December 2025 Week 50 ==")
    assert "Dec 8 – Dec 14, 2025 · 41 papers analyzed · 3 breakthroughs · +5 team votes on 2 papers" in text
    assert "(1) 2512.07647" in text and "Key takeaway" in text
    replies = [m for _, of, m in posted(deps)[1:]]
    assert all(of == "m1" for _, of, _ in posted(deps)[1:])
    assert [m.papers for m in replies[:3]] == [("2512.07647",), ("2512.07805",), ("2512.05865",)]
    papers = render(replies[-1])
    assert "(2512.10938 · +3 votes)" in papers and "(2512.07112 · +2 votes)" in papers
    assert "[added: the team voted for it]" in papers

    calls = sql(deps, "SELECT * FROM llm_calls")
    assert [(c["purpose"], c["team"], c["ref"], c["ok"]) for c in calls] == [("weekly-reduce", TEAM, WEEK, 1)]
    assert calls[0]["cost_usd"] > 0
    stored = deps.store.sync(weekly_store.load_report, TEAM, WEEK)
    assert stored.scorer == "llm:gpt-5-mini" and stored.cost_usd == pytest.approx(calls[0]["cost_usd"])
    assert stored.report["breakthrough_count"] == 3 and stored.report["papers_analyzed"] == 41
    assert sql(deps, "SELECT status FROM job_runs WHERE job = 'weekly'")[0]["status"] == "ok"


async def test_the_chart_is_attached_to_the_parent(deps, openai_server) -> None:  # noqa: F811
    pytest.importorskip("matplotlib")
    store_picks(deps, rows())
    openai_server.answer = reduce_answer
    result = await run_weekly(deps.config.teams[0], deps, week=WEEK)
    image = result.thread.parent.image
    assert image is not None and image.data.startswith(b"\x89PNG") and 5_000 < len(image.data) < 200_000
    assert image.filename == "paperbot-foundations-2025-W50.png"
    assert "2025-12-09: 9" in image.alt and "Model Compression and Efficiency" in image.alt
    assert posted(deps)[0][2].image == image


async def test_full_text_evidence_reaches_the_prompt(deps, openai_server) -> None:  # noqa: F811
    store_picks(deps, rows())
    text = ("We study attention. Table 2 shows that certified Top-k reduces scored keys by 3.1x on BERT. "
            "Related work is discussed next.")
    deps.store.sync(paper_store.set_full_text, "2512.07647", text)
    openai_server.answer = reduce_answer
    await run_weekly(deps.config.teams[0], deps, week=WEEK, dry_run=True)
    prompt = user_prompt(openai_server.requests[0])
    assert "from the full text: Table 2 shows that certified Top-k reduces scored keys by 3.1x on BERT." in prompt
    assert "Related work is discussed next" not in prompt


async def test_a_week_without_picks_asks_nothing_and_posts_nothing(deps, openai_server, capsys) -> None:  # noqa: F811
    store_picks(deps, rows())  # picks of another week
    assert await print_weekly(deps.config.teams[0], deps, week="2025-W51", dry_run=False, fmt="text",
                              force=False) == 0
    assert "No picks stored for foundations in 2025-W51 (Dec 15 – Dec 21, 2025)" in capsys.readouterr().out
    assert openai_server.requests == [] and posted(deps) == []
    assert sql(deps, "SELECT status FROM job_runs")[0]["status"] == "empty"


async def test_invented_ids_are_dropped_and_wrong_ids_repaired(deps, openai_server, caplog) -> None:  # noqa: F811
    store_picks(deps, rows())
    answer = copy.deepcopy(ANSWER)
    answer["breakthroughs"][0]["arxiv_id"] = "2512.07648"  # wrong id, real title
    answer["summary"] = answer["summary"].replace("2512.07647", "2512.07648")
    answer["notable"][1] = {"arxiv_id": "2512.99999", "title": "Scaling Sparse Experts to Infinity", "line": "x"}
    openai_server.answer = lambda request: json.dumps(answer)
    with caplog.at_level(logging.WARNING, logger="paperbot.weekly"):
        await run_weekly(deps.config.teams[0], deps, week=WEEK)
    everything = "\n".join(render(m) for _, _, m in posted(deps))
    assert "2512.99999" not in everything and "Scaling Sparse Experts" not in everything
    assert "2512.07648" not in everything and "(1) 2512.07647" in everything
    assert posted(deps)[1][2].papers == ("2512.07647",)
    logged = caplog.text
    assert "repaired 2512.07648 -> 2512.07647" in logged and "dropped 2512.99999" in logged


async def test_a_malformed_answer_is_retried_then_fails_with_nothing_posted(deps, openai_server,  # noqa: F811
                                                                          capsys) -> None:
    store_picks(deps, rows())
    openai_server.answer = lambda request: "Here is this week's report: breakthroughs galore!"
    assert await print_weekly(deps.config.teams[0], deps, week=WEEK, dry_run=False, fmt="text", force=False) == 1
    err = capsys.readouterr().err
    assert "malformed 2 times" in err and "nothing was posted" in err
    assert len(openai_server.requests) == 2 and posted(deps) == []
    assert deps.store.sync(weekly_store.load_report, TEAM, WEEK) is None
    calls = sql(deps, "SELECT purpose, ok, error FROM llm_calls")
    assert [(c["purpose"], c["ok"]) for c in calls] == [("weekly-reduce", 0)] * 2  # their cost is still counted
    assert calls[0]["error"] == "answer is not a JSON object"
    assert sql(deps, "SELECT status FROM job_runs")[0]["status"] == "failed"


async def test_one_malformed_answer_then_a_good_one_succeeds(deps, openai_server) -> None:  # noqa: F811
    store_picks(deps, rows())
    openai_server.push('{"summary": ')  # cut off mid-answer
    openai_server.answer = reduce_answer
    result = await run_weekly(deps.config.teams[0], deps, week=WEEK)
    assert result.report["breakthrough_count"] == 3 and len(openai_server.requests) == 2
    assert [c["ok"] for c in sql(deps, "SELECT ok FROM llm_calls ORDER BY id")] == [0, 1]


async def test_an_answer_in_fences_after_reasoning_is_read(deps, openai_server) -> None:  # noqa: F811
    store_picks(deps, rows())
    openai_server.answer = lambda request: ("<think>The week is strong on attention.</think>\nHere it is:\n```json\n"
                                            + json.dumps(ANSWER) + "\n```")
    result = await run_weekly(deps.config.teams[0], deps, week=WEEK, dry_run=True)
    assert result.report["breakthrough_count"] == 3 and len(openai_server.requests) == 1


async def test_a_server_error_posts_nothing_and_records_the_failed_call(deps, openai_server,  # noqa: F811
                                                                        capsys) -> None:
    store_picks(deps, rows())
    openai_server.answer = lambda request: HTTPError.server_error(503)
    assert await print_weekly(deps.config.teams[0], deps, week=WEEK, dry_run=False, fmt="text", force=False) == 1
    assert "server error (503)" in capsys.readouterr().err and posted(deps) == []
    assert [(c["purpose"], c["ok"]) for c in sql(deps, "SELECT * FROM llm_calls")] == [("weekly-reduce", 0)]


async def test_rerun_posts_nothing_twice_and_force_writes_the_report_again(deps, openai_server) -> None:  # noqa: F811
    store_picks(deps, rows())
    openai_server.answer = reduce_answer
    team = deps.config.teams[0]
    first = await run_weekly(team, deps, week=WEEK)
    n_posts = len(posted(deps))
    assert first.synthesized and first.published.posted == n_posts == 6

    again = await run_weekly(team, deps, week=WEEK)
    assert not again.synthesized and again.published.posted == 0 and again.published.skipped == 6
    assert len(openai_server.requests) == 1 and len(posted(deps)) == n_posts

    changed = copy.deepcopy(ANSWER)
    changed["key_takeaway"] = "A quieter reading of the same week."
    openai_server.answer = lambda request: json.dumps(changed)
    forced = await run_weekly(team, deps, week=WEEK, force=True)
    assert forced.synthesized and len(openai_server.requests) == 2
    assert deps.store.sync(weekly_store.load_report, TEAM, WEEK).report["key_takeaway"] == changed["key_takeaway"]
    assert len(posted(deps)) == n_posts  # the week's thread is out already: nothing is posted twice
    assert len(sql(deps, "SELECT * FROM llm_calls")) == 2


async def test_a_mid_week_dry_run_does_not_freeze_the_week(deps, openai_server) -> None:  # noqa: F811
    early = [r for r in rows() if r["digest_date"] <= "2025-12-10"]
    store_picks(deps, early)
    openai_server.answer = reduce_answer
    team = deps.config.teams[0]
    first = await run_weekly(team, deps, week=WEEK, dry_run=True)
    assert first.report["papers_analyzed"] == len(early) and posted(deps) == []
    store_picks(deps, [r for r in rows() if r["digest_date"] > "2025-12-10"])
    final = await run_weekly(team, deps, week=WEEK)
    assert final.synthesized and final.report["papers_analyzed"] == 41 and len(openai_server.requests) == 2
    await run_weekly(team, deps, week=WEEK)
    assert len(openai_server.requests) == 2


async def test_a_300_paper_week_is_read_in_map_batches_then_reduced(deps, openai_server) -> None:  # noqa: F811
    large = rows("weekly_large.jsonl")
    store_picks(deps, large, day_of=lambda i, r: MONDAY + timedelta(days=i % 5))
    vote(deps, large[-1]["arxiv_id"], 2)  # a weak paper the team liked: it must reach the reduce prompt
    titles = {r["arxiv_id"]: r["title"] for r in large}

    def answer(request: dict[str, Any]) -> str:
        listed = ids_in(request)
        if request["response_format"]["json_schema"]["name"] == "weekly_shortlist":
            return json.dumps({"candidates": [{"arxiv_id": i, "title": titles[i], "note": "strong", "potential": 7}
                                              for i in listed[1:7]],
                               "themes": [{"name": "Efficient attention", "arxiv_ids": listed[1:3]}]})
        a = copy.deepcopy(ANSWER)
        a["breakthroughs"] = [{**a["breakthroughs"][0], "arxiv_id": listed[1], "title": titles[listed[1]]}]
        a["notable"] = [{"arxiv_id": i, "title": titles[i], "line": "good"} for i in listed[2:5]]
        a["honorable_mentions"], a["summary"] = [], f"300 papers analyzed. 1 breakthrough: (1) {listed[1]}."
        a["trends"] = [{"name": "Efficient attention", "description": "d", "arxiv_ids": listed[1:4]}]
        return json.dumps(a)

    openai_server.answer = answer
    writer: LLMWeeklyWriter = deps.weekly_writer  # type: ignore[assignment]
    result = await run_weekly(deps.config.teams[0], deps, week=WEEK)

    kinds = [r["response_format"]["json_schema"]["name"] for r in openai_server.requests]
    assert kinds.count("weekly_shortlist") == 8 and kinds.count("weekly_report") == 1
    assert kinds[-1] == "weekly_report"
    sizes = [sum(len(m["content"]) for m in r["messages"]) for r in openai_server.requests]
    assert max(sizes) <= writer.max_prompt_chars
    read = [i for r in openai_server.requests[:-1] for i in ids_in(r)]
    assert sorted(read) == sorted(titles)  # every paper was read once by a map call: nothing truncated away
    reduced = ids_in(openai_server.requests[-1])
    assert reduced[0] == large[-1]["arxiv_id"] and len(reduced) <= 8 * 6 + 1
    assert "shortlist note: strong" in user_prompt(openai_server.requests[-1])
    assert "# Themes the batches saw\n- Efficient attention:" in user_prompt(openai_server.requests[-1])
    assert result.report["papers_analyzed"] == 300 and result.report["breakthrough_count"] == 1
    assert result.report["synthesis"] == {"mode": "map-reduce", "map_batches": 8, "candidates": len(reduced)}
    assert large[-1]["arxiv_id"] in [n["arxiv_id"] for n in result.report["notable"]]  # voted +2
    purposes = [c["purpose"] for c in sql(deps, "SELECT purpose, ref FROM llm_calls WHERE ref = ?", WEEK)]
    assert purposes.count("weekly-map") == 8 and purposes.count("weekly-reduce") == 1


async def test_without_an_llm_a_labelled_digest_from_scores_and_votes(tmp_path: Path) -> None:
    deps = make_deps(make_config(tmp_path), chats={"console": FakeChat()},
                     clock=FixedClock(datetime(2025, 12, 12, 16, tzinfo=UTC)))
    try:
        store_picks(deps, rows())
        vote(deps, "2512.09673", 2)
        result = await run_weekly(deps.config.teams[0], deps)
        parent = render(posted(deps)[0][2])
        assert "Built without an LLM" in parent and "41 papers analyzed" in parent
        assert "breakthrough" not in parent.split("\n")[2]
        assert "Papers per topic" in parent and "Model Compression and Efficiency: " in parent
        papers = render(posted(deps)[1][2])
        assert "Top papers by score (5)" in papers and "Most voted by the team (1)" in papers
        assert "Drawback of Enforcing Equivariance and its Compensation via the Lens of Expressive Power" in papers
        assert posted(deps)[1][2].papers[0] == "2512.07647"  # 10 + 9, the week's best score
        assert posted(deps)[1][2].papers[-1] == "2512.09673"  # 9 + 7, but voted +2
        assert result.report["scorer"] == "local" and result.report["cost_usd"] == 0
        assert deps.store.sync(weekly_store.load_report, TEAM, WEEK).scorer == "local"
    finally:
        deps.store.close()


async def test_dry_run_markdown_reads_like_the_seed_reports(tmp_path: Path, chat, openai_server,  # noqa: F811
                                                            capsys) -> None:
    deps = make_deps(make_config(tmp_path), llm=chat, weekly_writer=LLMWeeklyWriter(chat))
    try:
        store_picks(deps, rows())
        vote(deps, "2512.10938", 3)
        openai_server.answer = reduce_answer
        assert await print_weekly(deps.config.teams[0], deps, week=WEEK, dry_run=True, fmt="markdown",
                                  force=False) == 0
        out = capsys.readouterr().out
        for part in ("## Foundations: December 2025 Week 50", "Dec 8 – Dec 14, 2025 · 41 papers analyzed · "
                     "3 breakthroughs", "**Summary**", "**Key takeaway**", "## Breakthrough 1 of 3: ",
                     "**Why novel:**", "**Key innovations**", "**Evidence**", "**Impact:**", "## Trends (5)",
                     "## Notable papers (5)", "## Honorable mentions (5)"):
            assert part in out, part
        assert sql(deps, "SELECT * FROM posts") == []
    finally:
        deps.store.close()


async def test_json_format_and_a_bad_week(deps, openai_server, capsys) -> None:  # noqa: F811
    store_picks(deps, rows())
    openai_server.answer = reduce_answer
    assert await print_weekly(deps.config.teams[0], deps, week="2025w50", dry_run=True, fmt="json",
                              force=False) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["week"] == WEEK and [b["arxiv_id"] for b in report["breakthroughs"]][0] == "2512.07647"
    assert report["stats"]["per_day"][1] == ["2025-12-09", 9, 0]
    assert await print_weekly(deps.config.teams[0], deps, week="2025-W60", dry_run=True, fmt="json",
                              force=False) == 1
    assert "has no ISO week 60" in capsys.readouterr().err


def test_the_chart_without_matplotlib_is_no_image_and_no_error(monkeypatch) -> None:
    from bot import charts

    stats = {"per_day": [["2025-12-08", 3, 1]], "topics": [["A", 3, 1]], "votes_total": 1}
    monkeypatch.setitem(__import__("sys").modules, "matplotlib.figure", None)
    assert charts.week_chart(stats, title="t") is None
    assert charts.week_chart({"per_day": [], "topics": []}, title="t") is None


async def test_the_weekly_thread_renders_within_slack_and_discord_limits(deps, openai_server) -> None:  # noqa: F811
    slack = pytest.importorskip("bot.platforms.slack.render")
    discord = pytest.importorskip("bot.platforms.discord.render")
    store_picks(deps, rows())
    vote(deps, "2512.10938", 3)
    big = copy.deepcopy(ANSWER)  # every field at the longest the validation lets through
    for b in big["breakthroughs"]:
        b.update(why_novel="w " * 400, impact="i " * 400, key_innovations=["k " * 200] * 7, evidence=["e " * 200] * 7)
    big["summary"] = big["summary"] + " More." * 400
    openai_server.answer = lambda request: json.dumps(big)
    thread = (await run_weekly(deps.config.teams[0], deps, week=WEEK, dry_run=True)).thread
    for msg in (thread.parent, *thread.replies):
        for payload in slack.render_message(msg):
            assert len(payload.blocks) <= 50 and len(json.dumps(payload.blocks)) < 12_000
            for block in payload.blocks:
                if block["type"] == "header":
                    assert len(block["text"]["text"]) <= 150
                if block["type"] == "section" and "text" in block:
                    assert len(block["text"]["text"]) <= 3000
        parts = discord.render(msg)
        assert parts and all(len(p.content) <= 2000 and len(p.embeds) <= 10 and p.size() <= 6000 for p in parts)
        assert all(len(e.description or "") <= 4096 for p in parts for e in p.embeds)
    if thread.parent.image is not None:
        assert discord.render(thread.parent)[0].image == thread.parent.image


async def test_a_map_batch_that_stays_malformed_falls_back_to_its_best_papers(deps, openai_server,  # noqa: F811
                                                                             caplog) -> None:
    large = rows("weekly_large.jsonl")
    store_picks(deps, large, day_of=lambda i, r: MONDAY + timedelta(days=i % 5))
    titles = {r["arxiv_id"]: r["title"] for r in large}

    def answer(request: dict[str, Any]) -> str:
        listed = ids_in(request)
        if request["response_format"]["json_schema"]["name"] == "weekly_report":
            a = copy.deepcopy(ANSWER)
            a.update(breakthroughs=[], notable=[], honorable_mentions=[], summary="300 papers analyzed.",
                     trends=[{"name": "t", "description": "d", "arxiv_ids": listed[:3]}])
            return json.dumps(a)
        if "# Batch 3 of 8" in user_prompt(request):
            return "I could not decide."
        return json.dumps({"candidates": [{"arxiv_id": i, "title": titles[i], "note": "n", "potential": 5}
                                          for i in listed[:5]], "themes": []})

    openai_server.answer = answer
    with caplog.at_level(logging.WARNING, logger="paperbot.weekly"):
        result = await run_weekly(deps.config.teams[0], deps, week=WEEK, dry_run=True)
    kinds = [r["response_format"]["json_schema"]["name"] for r in openai_server.requests]
    assert kinds.count("weekly_shortlist") == 9 and kinds[-1] == "weekly_report"  # batch 3 asked twice
    batch3 = next(r for r in openai_server.requests if "# Batch 3 of 8" in user_prompt(r))
    reduced = ids_in(openai_server.requests[-1])
    assert all(i in reduced for i in ids_in(batch3)[:8])  # its best-scored papers still reach the report
    assert result.report["synthesis"]["candidates"] == 7 * 5 + 8
    assert "map batch 3: malformed answer 2 times" in caplog.text
    assert sum(c["ok"] == 0 for c in sql(deps, "SELECT ok FROM llm_calls")) == 2


async def test_the_current_week_is_the_team_s_own_week(tmp_path: Path) -> None:
    # Sunday 19:00 in Los Angeles is already Monday in UTC (the bot's [schedule] timezone): the team's
    # Sunday-evening report is about the week that is ending there, not the UTC week that just began.
    config = make_config(tmp_path, team={"timezone": "America/Los_Angeles", "weekly_day": "sun"})
    deps = make_deps(config, chats={"console": FakeChat()}, clock=FixedClock(datetime(2025, 12, 15, 3, tzinfo=UTC)))
    try:
        store_picks(deps, rows())
        result = await run_weekly(config.teams[0], deps, dry_run=True)
    finally:
        deps.store.close()
    assert result.week == WEEK and result.report is not None and result.report["papers_analyzed"] == 41
