"""/papers stats on a real SQLite store: the two seed digests, one of them posted, votes and LLM calls in and
out of the period. Expected numbers are counted here from the fixtures, not read back from the store."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.digest_view import digest_thread
from bot.core.message import Bullets, Fields, Header
from bot.core.models import Digest
from bot.ports import CallRecord
from handlers.publish import publish
from storage import digests, scores, votes
from storage import papers as paper_store
from storage.db import Store
from tests.handlers.seeding import TEAM, ask, no_llm_env, reply, run, seed_rows, seed_store, write_config  # noqa: F401
from tests.support import FakeChat, FixedClock, make_config, make_deps

ASKED = datetime(2026, 2, 5, 12, 0, tzinfo=UTC)
RECENT, OLD = "2026-02-04T10:00:00+00:00", "2026-01-20T10:00:00+00:00"  # 1 and 16 days before ASKED


def _ids(day: str) -> list[str]:
    return [r["arxiv_id"] for r in seed_rows() if r["digest_date"] == day]


def _top_authors(days: set[str], top: int = 5) -> list[tuple[str, int]]:
    """Authors of at least two of the papers picked on `days`, most picks first, then by name."""
    papers = {r["arxiv_id"]: r["authors"] for r in seed_rows() if r["digest_date"] in days}
    counts = Counter(a for authors in papers.values() for a in set(authors))
    return sorted(((a, n) for a, n in counts.items() if n >= 2), key=lambda x: (-x[1], x[0]))[:top]


def _set_times(deps, table: str, at: str, where: str, params: list) -> None:
    # Timestamps are written with the real clock; the tests put them where the fixed clock expects them.
    deps.store.sync(lambda db: db.execute(f"UPDATE {table} SET at = ? WHERE {where}", [at, *params]))  # noqa: S608


@pytest.fixture
async def deps(tmp_path: Path):
    chat = FakeChat("slack")
    d = make_deps(make_config(tmp_path, team={"slack_channels": ["C1"], "console": False}),
                  clock=FixedClock(ASKED), chats={"slack": chat})
    by_day = seed_store(d.store)
    # The latest day's papers carry categories: the first five are cs.CL, the rest cs.LG.
    latest = [p.paper for p in by_day["2026-02-05"]]
    tagged = [replace(p, categories=("cs.CL",) if i < 5 else ("cs.LG", "stat.ML")) for i, p in enumerate(latest)]
    d.store.sync(paper_store.upsert_papers, tagged)
    # Only the latest digest was posted (the older one predates the chat).
    picks = tuple(by_day["2026-02-05"])
    digest = Digest(TEAM, ASKED.date(), "llm:gpt-5", 700, 398, picks, digest_size=10)
    done = await publish(digest_thread(digest), team=d.config.teams[0], deps=d)
    assert done.posted == 1 + len(picks) and len(chat.posts) == 1 + len(picks)
    # Votes: three this week (two up on one paper, one down on another, from 2 platforms), one 16 days ago.
    a, b = _ids("2026-02-05")[:2]
    old = _ids("2026-01-27")[0]
    for paper, platform, user, value in ((a, "slack", "U1", 1), (a, "discord", "42", 1), (b, "slack", "U1", -1),
                                         (old, "slack", "U2", 1)):
        d.store.sync(votes.set_vote, team=TEAM, arxiv_id=paper, platform=platform, user=user, value=value)
    _set_times(d, "votes", RECENT, "arxiv_id != ?", [old])
    _set_times(d, "votes", OLD, "arxiv_id = ?", [old])
    # LLM calls: scoring this week, an /explain 16 days ago, and another team's call that never counts.
    d.store.sync(scores.record_calls, [CallRecord("score", "gpt-5", 53923, 46726, cost_usd=0.53)], team=TEAM)
    d.store.sync(scores.record_calls, [CallRecord("explain", "gpt-5", 2000, 400, cost_usd=0.02)], team=TEAM)
    d.store.sync(scores.record_calls, [CallRecord("score", "gpt-5", 1, 1, cost_usd=9.0)], team="other")
    _set_times(d, "llm_calls", RECENT, "purpose = 'score'", [])
    _set_times(d, "llm_calls", OLD, "purpose = 'explain'", [])
    yield d
    d.store.close()


def _fields(msg) -> dict[str, str]:
    return dict(next(b for b in msg.blocks if isinstance(b, Fields)).pairs)


def _bullets(msg, after: str) -> list[str]:
    """The bullet lines under the bold label `after`."""
    blocks = list(msg.blocks)
    i = next(i for i, b in enumerate(blocks) if getattr(b, "spans", None) and b.spans[0].text == after)
    items = blocks[i + 1]
    return ["".join(s if isinstance(s, str) else s.text for s in item) for item in items.items] \
        if isinstance(items, Bullets) else []


async def test_week_counts_this_week_only(deps) -> None:
    msg = await reply(deps, "/papers stats")
    assert msg.blocks[0] == Header("foundations · stats, last 7 days")
    latest = len(_ids("2026-02-05"))
    assert _fields(msg) == {
        "Digests": "1 day", "Listed": "700 papers", "Scored": "398", "Picked": str(latest), "Posted": str(latest),
        "Votes": "3 (👍 2 · 👎 1) on 2 papers", "Voters": "2", "LLM cost": "$0.5300 in 1 call"}
    assert _bullets(msg, "Top categories of the picks") == [f"cs.LG — {latest - 5} picks", "cs.CL — 5 picks"]
    assert _bullets(msg, "Top authors of the picks") == [f"{a} — {n} picks" for a, n in _top_authors({"2026-02-05"})]
    assert msg.ephemeral and "/papers cost week" in msg.blocks[-1].spans[0]


async def test_month_and_all_count_both_digests_and_the_older_activity(deps) -> None:
    both = len(set(_ids("2026-02-05")) | set(_ids("2026-01-27")))
    for span, label in (("month", "last 30 days"), ("all", "all time")):
        msg = await reply(deps, f"/papers stats {span}")
        assert msg.blocks[0] == Header(f"foundations · stats, {label}")
        f = _fields(msg)
        assert (f["Digests"], f["Listed"], f["Scored"], f["Picked"]) == ("2 days", "1,400 papers", "796", str(both))
        assert f["Posted"] == str(len(_ids("2026-02-05")))  # the older digest was never posted
        assert (f["Votes"], f["Voters"]) == ("4 (👍 3 · 👎 1) on 3 papers", "3")
        assert f["LLM cost"] == "$0.5500 in 2 calls"
        expected = _top_authors({"2026-02-05", "2026-01-27"})
        assert expected and _bullets(msg, "Top authors of the picks") == [f"{a} — {n} picks" for a, n in expected]


async def test_console_text_and_share(deps) -> None:
    text = await run(deps, "/papers stats month share", platform="console", user="alice")
    assert text.startswith("== foundations · stats, last 30 days ==\n\nDigests: 2 days · Listed: 1,400 papers")
    assert "- cs.LG — " in text and "LLM cost per purpose: /papers cost month" in text
    shared = await reply(deps, "/papers stats month share")
    assert not shared.ephemeral


async def test_an_empty_store_says_so(tmp_path: Path) -> None:
    d = make_deps(make_config(tmp_path), clock=FixedClock(ASKED))
    try:
        msg = await reply(d, "/papers stats all")
        text = await run(d, "/papers stats all")
    finally:
        d.store.close()
    assert _fields(msg)["Picked"] == "0" and _fields(msg)["LLM cost"] == "$0.0000 in 0 calls"
    assert "No digest in this period yet" in text
    assert "No categories recorded for the picks." in text and "No author has 2 or more picks" in text


async def test_a_bad_period_is_a_friendly_error(deps) -> None:
    text = await run(deps, "/papers stats year")
    assert text == "Choose one of week, month, all, not 'year'.\nUsage: /papers stats [week|month|all]"


async def test_another_team_s_digests_do_not_count(deps) -> None:
    other = Digest("other", ASKED.date(), "llm:gpt-5", 999, 999, (), digest_size=10)
    deps.store.sync(digests.save_digest, other)
    assert _fields(await reply(deps, "/papers stats"))["Listed"] == "700 papers"


@pytest.mark.usefixtures("no_llm_env")
def test_stats_through_paperbot_ask(tmp_path: Path) -> None:
    today = datetime.now(UTC).date()  # the CLI runs on the real clock: the seed digests become recent days
    store = Store.open(tmp_path / "paperbot.db")
    seed_store(store, shift={"2026-02-05": today.isoformat(), "2026-01-27": (today - timedelta(days=10)).isoformat()})
    store.close()
    config = write_config(tmp_path)
    week, month = ask(config, "/papers stats"), ask(config, "/papers stats month", user="alice")
    assert week.startswith("== foundations · stats, last 7 days ==\n\nDigests: 1 day · Listed: 700 papers")
    assert month.startswith("== foundations · stats, last 30 days ==\n\nDigests: 2 days · Listed: 1,400 papers")
    assert "Votes: 0 (👍 0 · 👎 0) on 0 papers · Voters: 0 · LLM cost: $0.0000 in 0 calls" in month
