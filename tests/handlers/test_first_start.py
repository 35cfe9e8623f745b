"""The first start on an empty store: the real arxiv/requests clients read the fake arXiv (RSS + OAI-PMH), the
local ranker scores, the latest digest is posted once; weekends, restarts in the middle and the start-up
catch-up included. The papers are the 74 real seed papers, spread over announcement days."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import catch_up
from bot.core.message import Header
from bot.core.models import ListingEntry, Paper
from bot.core.render_text import render
from bot.sources.arxiv import ArxivSource
from bot.sources.oai import OaiArchive
from handlers.first_start import STATE_KEY, first_start
from storage import digests, jobs, posts
from storage import papers as paper_store
from tests.fakes.arxiv_oai import FakeOai, OaiSpec
from tests.fakes.arxiv_server import ArxivServer, render_rss
from tests.handlers.seeding import cards, reply, seed_rows
from tests.support import FakeChat, FixedClock, make_config, make_deps

SUNDAY = datetime(2026, 2, 8, 12, 0, tzinfo=UTC)
TUESDAY = datetime(2026, 2, 10, 10, 0, tzinfo=UTC)
# Announcement days (UTC datestamps, Mon–Fri) before 2026-02-10, newest first.
WEEKDAYS = [date(2026, 2, 9), date(2026, 2, 6), date(2026, 2, 5), date(2026, 2, 4), date(2026, 2, 3),
            date(2026, 2, 2), date(2026, 1, 30), date(2026, 1, 29), date(2026, 1, 28)]


def _papers() -> list[Paper]:
    return [Paper(r["arxiv_id"], r["title"], r["abstract"], tuple(r["authors"]), ("cs.LG",)) for r in seed_rows()]


def _days(papers: list[Paper], days: list[date]) -> dict[date, list[Paper]]:
    per = len(papers) // len(days)
    return {d: papers[i * per:(i + 1) * per] for i, d in enumerate(days)}


def _oai(by_day: dict[date, list[Paper]]) -> list[OaiSpec]:
    specs = [OaiSpec(p, d, d - timedelta(days=2)) for d, ps in by_day.items() for p in ps]
    # A weekend edit of an old paper: never an announcement, and weekends are never even asked for.
    specs.append(OaiSpec(Paper("1412.8544", "Old", "Old.", ("A B",), ("cs.LG",)), date(2026, 2, 7), date(2014, 12, 29)))
    return specs


def _deps(tmp_path: Path, server: ArxivServer, at: datetime, chat: FakeChat, **startup):
    source = ArxivSource(rss_url=server.rss_url, api_url=server.api_url, min_interval_s=0.0, max_retries=1,
                         timeout_s=5)
    config = make_config(tmp_path, team={"slack_channels": ["C1"], "console": False},
                         startup={"backfill_days": 7, **startup})
    return make_deps(config, clock=FixedClock(at), source=source, chats={"slack": chat},
                     archive=OaiArchive(oai_url=server.oai_url, throttle=source.throttle, max_retries=1, timeout_s=5))


def _oai_days(server: ArxivServer) -> list[str]:
    return [r.param("from") for r in server.requests if r.path == "/oai" and r.param("from")]


async def test_a_sunday_start_fetches_the_last_seven_announcement_days_scores_and_posts_the_latest_once(
        tmp_path: Path) -> None:
    papers = _papers()
    by_day = _days(papers, WEEKDAYS[1:])  # Fri 02-06 back to Wed 01-28: eight days with papers
    chat = FakeChat("slack")
    with ArxivServer() as server:
        server.rss("cs.LG+cs.AI", render_rss([], day=date(2026, 2, 8)))  # the weekend feed lists nothing
        server.oai = FakeOai(_oai(by_day), page_size=4)
        deps = _deps(tmp_path, server, SUNDAY, chat)
        try:
            done = await first_start(deps)
            assert done is not None and done.days == WEEKDAYS[1:8] and done.scored == 7 and not done.failed
            assert _oai_days(server) == [d.isoformat() for d in WEEKDAYS[1:8]]  # no weekend, no eighth day
            assert set(await deps.store.call(digests.digest_days, "foundations", limit=20)) == set(WEEKDAYS[1:8])
            # Posted once: the latest day (Friday), its parent and one reply per pick.
            parents = [m for _, parent, m in chat.posts if parent is None]
            assert len(parents) == 1 and "2026-02-06" in parents[0].fallback and done.posted == ["foundations"]
            posts = len(chat.posts)
            # What a user can do within minutes: the week, search, like.
            week = await reply(deps, "/papers week")
            assert week.blocks[0] == Header("foundations · papers of 2026-02-02 – 2026-02-08") and cards(week)
            picked = {c.arxiv_id for c in cards(week)}
            assert picked <= {p.arxiv_id for d in WEEKDAYS[1:6] for p in by_day[d]}  # this week's days only
            found = await reply(deps, '/papers search "mixture of experts"')
            assert cards(found) and "stored papers match" in render(found)
            like = await reply(deps, f"/papers like {by_day[WEEKDAYS[3]][0].arxiv_id}")
            assert len(cards(like)) >= 3
            # Started again: nothing is fetched, scored or posted twice; the catch-up finds no Sunday listing.
            asked = len(server.requests)
            assert await first_start(deps) is None
            await catch_up(deps.config, deps, now=SUNDAY)
            assert len(chat.posts) == posts and [r.path for r in server.requests[asked:]] == ["/rss/cs.LG+cs.AI"]
        finally:
            deps.store.close()


async def test_a_weekday_start_takes_the_latest_from_rss_and_resumes_after_arxiv_fails_midway(
        tmp_path: Path) -> None:
    papers = _papers()
    rss_papers, rest = papers[:10], papers[10:]
    by_day = _days(rest, WEEKDAYS[1:])
    chat = FakeChat("slack")
    with ArxivServer() as server:
        server.rss("cs.LG+cs.AI", render_rss([ListingEntry(p, "new") for p in rss_papers], day=TUESDAY.date()))
        server.oai = FakeOai(_oai(by_day), fail_days={WEEKDAYS[3]: 2})  # down for the whole first run
        deps = _deps(tmp_path, server, TUESDAY, chat)
        try:
            with pytest.raises(Exception, match="HTTP 500"):
                await first_start(deps)
            assert chat.posts == []  # nothing posted before the days are in
            state = await deps.store.call(jobs.kv_get, STATE_KEY)
            assert '"status": "running"' in state
            first_run = _oai_days(server)
            # From the day before the RSS feed's (Monday: a day without an announcement here) down to the failure.
            assert first_run == ["2026-02-09", "2026-02-06", "2026-02-05", "2026-02-04", "2026-02-04"]
            done = await first_start(deps)  # the restart
            again = _oai_days(server)[len(first_run):]
            assert again == ["2026-02-04", "2026-02-03", "2026-02-02", "2026-01-30"]  # from where it stopped
            assert done is not None and done.resumed and done.days == [TUESDAY.date(), *WEEKDAYS[1:7]]
            assert [r.path for r in server.requests].count("/rss/cs.LG+cs.AI") == 1
            parents = [m for _, parent, m in chat.posts if parent is None]
            assert len(parents) == 1 and "2026-02-10" in parents[0].fallback
            posts = len(chat.posts)
            await catch_up(deps.config, deps, now=TUESDAY)  # today's daily time (09:00) has passed
            assert len(chat.posts) == posts  # the same day's digest: already posted, nothing twice
        finally:
            deps.store.close()


async def test_it_never_runs_on_a_store_that_already_has_listings_or_when_turned_off(tmp_path: Path) -> None:
    chat = FakeChat("slack")
    with ArxivServer() as server:
        deps = _deps(tmp_path, server, SUNDAY, chat)
        (tmp_path / "off").mkdir()
        off = _deps(tmp_path / "off", server, SUNDAY, chat, backfill_days=0)
        try:
            await deps.store.call(paper_store.save_listing, date(2026, 1, 27),
                                  [ListingEntry(p, "new") for p in _papers()[:3]])
            assert await first_start(deps) is None and await first_start(off) is None
            assert server.requests == [] and chat.posts == []
        finally:
            deps.store.close()
            off.store.close()


async def test_a_platform_failing_at_the_first_post_is_reported_and_the_next_start_posts_the_rest(
        tmp_path: Path) -> None:
    by_day = _days(_papers(), WEEKDAYS[1:])
    chat = FakeChat("slack", fail_after=1)  # the parent goes out, then the platform fails
    with ArxivServer() as server:
        server.rss("cs.LG+cs.AI", render_rss([], day=date(2026, 2, 8)))
        server.oai = FakeOai(_oai(by_day), page_size=4)
        deps = _deps(tmp_path, server, SUNDAY, chat)
        try:
            done = await first_start(deps)
            assert done is not None and done.posted == [] and len(chat.posts) == 1
            assert len(done.failed) == 1 and done.failed[0].startswith("foundations post 2026-02-06: Slack failed")
            assert '"status": "running"' in await deps.store.call(jobs.kv_get, STATE_KEY)

            chat.fail_after = None  # the platform is back: the next start posts only what is missing
            again = await first_start(deps)
            assert again is not None and again.posted == ["foundations"] and not again.failed
            assert [parent for _, parent, _ in chat.posts].count(None) == 1  # the parent was not sent again
            rows = await deps.store.call(posts.posts_for, team="foundations", kind="daily", period="2026-02-06")
            assert len(rows) == len(chat.posts) > 1  # every message recorded, each sent once
            assert len({m.key for _, _, m in chat.posts}) == len(chat.posts)
            assert await first_start(deps) is None  # done
        finally:
            deps.store.close()
