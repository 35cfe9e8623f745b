"""/papers on a real SQLite store seeded with the 74 papers of two real digests; arXiv faked at HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.message import Action, Context, Fields, Header
from bot.core.models import Paper
from bot.ports import CallRecord
from bot.sources.arxiv import ArxivSource
from storage import papers as paper_store
from storage import scores, votes
from storage.db import Store
from tests.fakes.arxiv_server import ArxivServer
from tests.handlers.seeding import (  # noqa: F401
    TEAM,
    ask,
    cards,
    no_llm_env,
    reply,
    run,
    seed_rows,
    seed_store,
    write_config,
)
from tests.support import FixedClock, make_config, make_deps

# Words in an answer that would mean a raw SQLite/FTS error leaked to the user.
LEAKS = ("sqlite", "fts5", "syntax error", "operationalerror", "something went wrong", "traceback")


def _deps(tmp_path: Path, *, at: datetime | None = None, **ports):
    clock = FixedClock(at) if at else FixedClock()
    d = make_deps(make_config(tmp_path), clock=clock, **ports)
    seed_store(d.store)
    return d


@pytest.fixture
def deps(tmp_path: Path):
    d = _deps(tmp_path)
    yield d
    d.store.close()


def _vote(deps, arxiv_id: str, user: str, value: int = 1, platform: str = "slack") -> None:
    deps.store.sync(votes.set_vote, team=TEAM, arxiv_id=arxiv_id, platform=platform, user=user, value=value)


# ---------------------------------------------------------------- today / week / month / day


async def test_today_without_a_digest_today_shows_the_latest(deps) -> None:
    msg = await reply(deps, "/papers")
    assert msg.blocks[0] == Header("foundations · papers of 2026-01-27")
    shown = cards(msg)
    assert [c.rank for c in shown] == list(range(1, 11)) and all(c.compact for c in shown)
    first = shown[0]
    assert (first.arxiv_id, first.url) == ("2601.16725", "https://arxiv.org/abs/2601.16725")
    assert (first.relevance, first.novelty) == (10, 9)
    footer = msg.blocks[-1]
    assert isinstance(footer, Context)
    assert "No digest for 2026-01-28 yet: this is the latest, of 2026-01-27." in footer.spans[0]
    assert msg.actions == (Action("More", "/papers today --page 2"),)
    assert msg.papers == tuple(c.arxiv_id for c in shown)


async def test_today_on_a_digest_day(tmp_path: Path) -> None:
    deps = _deps(tmp_path, at=datetime(2026, 2, 5, 12, tzinfo=UTC))
    try:
        text = await run(deps, "/papers today")
    finally:
        deps.store.close()
    assert text.startswith("== foundations · papers of 2026-02-05 ==\n\n1. Synthesizable Molecular Generation via "
                           "Soft-constrained GFlowNets with Rich Chemical Priors — 2602.04119 — Author match\n\n"
                           "2. GeoIB: Geometry-Aware Information")  # watched authors first
    assert "No digest for" not in text


async def test_week_ranks_by_votes_then_score(deps) -> None:
    low = [r for r in seed_rows() if r["digest_date"] == "2026-01-27"]
    low.sort(key=lambda r: r["relevance"] + r["novelty"])
    _vote(deps, low[0]["arxiv_id"], "U1")
    _vote(deps, low[0]["arxiv_id"], "U2")
    _vote(deps, low[1]["arxiv_id"], "U1")
    msg = await reply(deps, "/papers week")
    shown = cards(msg)
    assert [(c.arxiv_id, c.votes) for c in shown[:2]] == [(low[0]["arxiv_id"], 2), (low[1]["arxiv_id"], 1)]
    totals = [c.relevance + c.novelty for c in shown[2:]]
    assert totals == sorted(totals, reverse=True)
    assert "+2 votes" in await run(deps, "/papers week")


async def test_week_pages_continue_the_ranks_and_end_without_more(deps) -> None:
    page2 = await reply(deps, "/papers week --page 2")
    assert [c.rank for c in cards(page2)] == list(range(11, 21))
    assert page2.blocks[-1] == Context(("Ranked by votes, then score. · Page 2 of 4 — /papers week --page 3",))
    assert page2.actions == (Action("More", "/papers week --page 3"),)
    last = await reply(deps, "/papers week --page=4")
    assert [c.rank for c in cards(last)] == list(range(31, 38))
    assert last.actions == () and "Page 4 of 4" in last.blocks[-1].spans[0]
    seen = {c.arxiv_id for p in range(1, 5) for c in cards(await reply(deps, f"/papers week --page {p}"))}
    assert len(seen) == 37


async def test_week_and_month_cover_their_days(tmp_path: Path) -> None:
    deps = _deps(tmp_path, at=datetime(2026, 2, 6, 8, tzinfo=UTC))
    try:
        week = await reply(deps, "/papers week")
        month = await reply(deps, "/papers month --page 8")
    finally:
        deps.store.close()
    assert week.blocks[0] == Header("foundations · papers of 2026-01-31 – 2026-02-06")
    assert "Page 1 of 4" in week.blocks[-1].spans[0]
    assert month.blocks[0] == Header("foundations · papers of 2026-01-08 – 2026-02-06")
    assert [c.rank for c in cards(month)] == [71, 72, 73, 74]


async def test_day_lists_one_digest_day_and_says_when_there_is_none(deps) -> None:
    msg = await reply(deps, "/papers day 2026-02-05")
    ids = {r["arxiv_id"] for r in seed_rows() if r["digest_date"] == "2026-02-05"}
    assert {c.arxiv_id for c in cards(msg)} <= ids and len(cards(msg)) == 10
    assert await run(deps, "/papers day 2026-02-01") == (
        "== foundations · papers of 2026-02-01 ==\n\nNo digest is stored for 2026-02-01 (weekends and holidays "
        "have none).")
    assert (await run(deps, "/papers day")).startswith("Give one date, e.g. /papers day 2026-01-27.")
    assert (await run(deps, "/papers week extra")).startswith("/papers week takes no words")


# ---------------------------------------------------------------- top / mine


async def test_top_counts_net_votes_and_checks_the_span(deps) -> None:
    _vote(deps, "2601.18401", "U1")
    _vote(deps, "2601.18401", "U2")
    _vote(deps, "2601.18089", "U1")
    _vote(deps, "2601.18089", "U3", value=-1)  # net 0: not "most voted"
    for line in ("/papers top", "/papers top week", "/papers top month", "/papers top all"):
        msg = await reply(deps, line)
        assert [(c.arxiv_id, c.votes) for c in cards(msg)] == [("2601.18401", 2)], line
        assert (cards(msg)[0].relevance, cards(msg)[0].novelty) == (10, 9)  # the team's score is shown
    assert (await run(deps, "/papers top year")).startswith("Choose one of week, month, all, not 'year'.")


async def test_top_with_no_votes_says_how_to_vote(deps) -> None:
    assert "No upvotes in this period yet" in await run(deps, "/papers top all")


async def test_mine_is_per_user_and_platform(deps) -> None:
    _vote(deps, "2601.18401", "U1")
    _vote(deps, "2602.03906", "U1")
    _vote(deps, "2601.16725", "U1", value=-1)  # a downvote is not "what I voted for"
    _vote(deps, "2601.16294", "U1", platform="discord")
    mine = await reply(deps, "/papers mine", user="U1")
    assert {c.arxiv_id for c in cards(mine)} == {"2601.18401", "2602.03906"}
    assert [c.arxiv_id for c in cards(await reply(deps, "/papers mine", user="U1", platform="discord"))] == [
        "2601.16294"]
    assert "You have not upvoted any paper yet" in await run(deps, "/papers mine", user="U9")


# ---------------------------------------------------------------- like / search


async def test_like_finds_papers_on_the_same_topic(deps) -> None:
    msg = await reply(deps, "/papers like https://arxiv.org/abs/2601.18089v1")
    assert msg.blocks[0] == Header("Papers like “LatentMoE: Toward Optimal Accuracy per FLOP and Parameter in "
                                   "Mixture of Experts” (2601.18089)")
    assert "2601.18089" not in {c.arxiv_id for c in cards(msg)}
    for c in cards(msg)[:5]:  # all about mixtures of experts, in the title or the abstract
        p = deps.store.sync(paper_store.get_paper, c.arxiv_id)
        assert any(w in p.title + p.abstract for w in ("MoE", "Mixture-of-Experts", "Mixture of Experts")), p.title
    assert msg.actions == (Action("More", "/papers like 2601.18089 --page 2"),)


async def test_search_phrases_and_author_names(deps) -> None:
    phrase = await reply(deps, '/papers search "mixture of experts"')
    assert cards(phrase)
    for c in cards(phrase):
        p = deps.store.sync(paper_store.get_paper, c.arxiv_id)
        text = (p.title + " " + p.abstract).lower().replace("-", " ")
        assert "mixture of experts" in text
    by_author = await reply(deps, '/papers search "Venmugil Elango"')
    assert [c.arxiv_id for c in cards(by_author)] == ["2601.18089"]
    both = await reply(deps, "/papers search elango moe")
    assert [c.arxiv_id for c in cards(both)] == ["2601.18089"]


async def test_search_pages_and_counts(deps) -> None:
    msg = await reply(deps, "/papers search model")
    total = deps.store.sync(paper_store.search, "model").total
    assert total > 10
    assert f"{total} stored papers match." in msg.blocks[-1].spans[0]
    assert msg.actions == (Action("More", "/papers search model --page 2"),)
    page2 = await reply(deps, "/papers search model --page 2")
    assert cards(page2)[0].rank == 11


async def test_search_of_a_word_in_thousands_of_papers_ranks_the_newest_and_says_so(deps) -> None:
    n = paper_store.RANKED + 50
    plasma = [Paper(f"2501.{i:05d}", f"Tokamak study {i}", "Tokamak plasma confinement. " * (1 + i % 4))
              for i in range(n)]
    deps.store.sync(paper_store.upsert_papers, plasma)  # stored in this order: the first 50 are the oldest
    msg = await reply(deps, "/papers search tokamak")
    assert (f"More than {paper_store.RANKED:,} stored papers match: the {paper_store.RANKED:,} stored most "
            "recently are ranked. Add words to narrow it down.") in await run(deps, "/papers search tokamak")
    last = await reply(deps, f"/papers search tokamak --page {paper_store.RANKED // 10}")
    shown = {c.arxiv_id for c in cards(msg) + cards(last)}
    assert len(shown) == 20 and not shown & {p.arxiv_id for p in plasma[:50]}
    assert (await run(deps, f"/papers search tokamak --page {paper_store.RANKED // 10 + 1}")).startswith(
        "There is no page")


@pytest.mark.parametrize("words", [
    '"', '""', "*", "()", "-", "^", '"mixture of experts', 'mixture of experts"', "OR", "AND NOT", "NEAR(moe",
    "moe OR", "title:moe", "moe*", "C++", "a'b", "Schölkopf", "naïve Bayes", "量子 计算", "🙂 experts",
    "SELECT * FROM papers; --", "\\", "{moe}", "x" * 3000, "moe " * 600,
])
async def test_search_never_shows_a_raw_sqlite_error(deps, words: str) -> None:
    text = await run(deps, f"/papers search {words}")
    assert not any(leak in text.lower() for leak in LEAKS), text[:300]
    assert text.startswith(("== Search:", "There is nothing to search for in")), text[:300]


@pytest.mark.parametrize("line", ["/papers search model --page 99999999999999999999",
                                  "/papers week --page 99999999999999999999"])
async def test_an_absurd_page_number_is_a_plain_answer(deps, line: str) -> None:
    text = await run(deps, line)
    assert text.startswith("There is no page 99999999999999999999"), text[:300]


async def test_search_of_a_long_text_says_it_was_cut(deps) -> None:
    abstract = deps.store.sync(paper_store.get_paper, "2601.18089").abstract
    text = await run(deps, "/papers search " + (abstract + " ") * 2)  # about 2.6 KB
    assert "1. LatentMoE: Toward Optimal Accuracy" in text
    assert "Searched for the first 29" in text or "Searched for the first 30" in text


async def test_search_without_words_or_matches(deps) -> None:
    assert (await run(deps, "/papers search")).startswith("Type what to search for.")
    assert "No stored paper matches." in await run(deps, "/papers search zyxwvut")


# ---------------------------------------------------------------- show / upvote


async def test_show_a_stored_paper_card(deps) -> None:
    _vote(deps, "2601.18089", "U1")
    msg = await reply(deps, "/papers show arxiv.org/abs/2601.18089v2")
    card = cards(msg)[0]
    assert not card.compact and card.title.startswith("LatentMoE")
    assert (card.relevance, card.novelty, card.votes) == (10, 9, 1)
    assert card.comment.startswith("MoE Architecture + Efficiency")
    assert card.authors.endswith("(16 authors)")
    assert [a.label for a in card.actions] == ["Explain", "Upvote", "More like this"]
    assert ("Picked", "2026-01-27") in next(b for b in msg.blocks if isinstance(b, Fields)).pairs
    assert (await reply(deps, "/papers 2601.18089")).blocks == msg.blocks  # a bare id means show


async def test_show_fetches_an_unknown_paper_from_arxiv_once(tmp_path: Path, arxiv_server: ArxivServer) -> None:
    source = ArxivSource(api_url=arxiv_server.api_url, html_url=arxiv_server.html_url, min_interval_s=0)
    deps = _deps(tmp_path, source=source)
    try:
        first = await run(deps, "/papers show https://arxiv.org/abs/1605.08386")
        stored = deps.store.sync(paper_store.get_paper, "1605.08386")
        again = await run(deps, "/papers show 1605.08386")
        missing = await run(deps, "/papers show 0000.0000")
        not_id = await run(deps, "/papers show hello")
    finally:
        deps.store.close()
    assert first.startswith("Heat-bath random walks with Markov bases\nArXiv ID: 1605.08386")
    assert "Fetched from arXiv and stored." in first and "Picked: never picked by this team" in first
    assert stored is not None and stored.authors == ("Caprice Stanley", "Tobias Windisch")
    assert "Fetched from arXiv" not in again
    assert [r.param("id_list") for r in arxiv_server.requests] == ["1605.08386", "0000.0000"]
    assert missing.startswith("No arXiv paper 0000.0000.")
    assert not_id.startswith("'hello' is not an arXiv id or URL")


async def test_upvote_records_one_vote_per_user(deps) -> None:
    first = await run(deps, "/papers upvote 2601.18401", user="U1")
    again = await run(deps, "/papers upvote 2601.18401", user="U1")
    other = await run(deps, "/papers upvote 2601.18401", user="U7", platform="discord")
    assert first == "Upvoted “Superlinear Multi-Step Attention” (2601.18401) for foundations: +1 votes now."
    assert again == "You had already upvoted “Superlinear Multi-Step Attention” (2601.18401): still +1 votes."
    assert other.endswith("+2 votes now.")
    rows = deps.store.sync(lambda db: list(db.query("SELECT platform, user, value FROM votes ORDER BY user")))
    assert rows == [{"platform": "slack", "user": "U1", "value": 1}, {"platform": "discord", "user": "U7", "value": 1}]
    assert [(c.arxiv_id, c.votes) for c in cards(await reply(deps, "/papers top"))] == [("2601.18401", 2)]


async def test_upvote_turns_a_downvote_around(deps) -> None:
    _vote(deps, "2601.18401", "U1", value=-1)
    assert (await run(deps, "/papers upvote 2601.18401", user="U1")).endswith("+1 votes now.")


# ---------------------------------------------------------------- cost


def _calls(deps) -> None:
    deps.store.sync(scores.record_calls, [
        CallRecord("score", "gpt-5-mini", 120_000, 30_000, cost_usd=0.09),
        CallRecord("score", "gpt-5-mini", 100_000, 20_000, cost_usd=0.065),
        CallRecord("explain", "gpt-5-mini", 6_000, 900, cost_usd=0.0033),
        CallRecord("weekly-reduce", "gpt-5-mini", 40_000, 4_000, cost_usd=0.018),
    ], team=TEAM)
    deps.store.sync(scores.record_calls, [CallRecord("score", "gpt-5-mini", 9, 9, cost_usd=5.0)], team="other")


async def test_cost_per_purpose_with_a_total(tmp_path: Path) -> None:
    deps = _deps(tmp_path, at=datetime.now(UTC))
    try:
        _calls(deps)
        text = await run(deps, "/papers cost")
    finally:
        deps.store.close()
    assert text.splitlines() == [
        "== LLM cost of foundations — last 7 days ==",
        "",
        "Purpose        Calls  Prompt tokens  Completion tokens  Cost   ",
        "explain        1      6,000          900                $0.0033",
        "score          2      220,000        50,000             $0.1550",
        "weekly-reduce  1      40,000         4,000              $0.0180",
        "total          4      266,000        54,900             $0.1763",
    ]


async def test_cost_span_filters_by_time(tmp_path: Path) -> None:
    deps = _deps(tmp_path, at=datetime(2030, 1, 1, tzinfo=UTC))  # long after the calls
    try:
        _calls(deps)
        week = await run(deps, "/papers cost week")
        month = await run(deps, "/papers cost month")
        ever = await run(deps, "/papers cost all")
        bad = await run(deps, "/papers cost decade")
    finally:
        deps.store.close()
    assert week.endswith("No LLM calls in this period: nothing spent.") and "last 7 days" in week
    assert "last 30 days" in month and "nothing spent" in month
    assert "all time" in ever and "$0.1763" in ever
    assert bad.startswith("Choose one of week, month, all, not 'decade'.\nUsage: /papers cost [week|month|all]")


# ---------------------------------------------------------------- the same through `paperbot ask`


@pytest.fixture(scope="module")
def ask_store(tmp_path_factory: pytest.TempPathFactory):
    """A store whose two seed digests are today's and three days ago's (the CLI uses the real clock)."""
    tmp = tmp_path_factory.mktemp("ask")
    today = datetime.now(UTC).date()
    shift = {"2026-02-05": today.isoformat(), "2026-01-27": (today - timedelta(days=3)).isoformat()}
    store = Store.open(tmp / "paperbot.db")
    seed_store(store, shift=shift)
    store.close()
    return tmp, today


@pytest.mark.usefixtures("no_llm_env")
@pytest.mark.parametrize(("line", "expected"), [
    ("/papers", "== foundations · papers of {today} ==\n\n1. Synthesizable Molecular Generation"),
    ("/papers today --page 4", "31. "),
    ("/papers week", "Page 1 of 8 — /papers week --page 2"),
    ("/papers month --page 8", "71. "),
    ("/papers day {three_days_ago}", "1. LongCat-Flash-Thinking-2601 Technical Report — 2601.16725 — Relevance 10"),
    ("/papers top all", "No upvotes in this period yet"),
    ("/papers mine", "You have not upvoted any paper yet"),
    ("/papers like 2601.18089", "1. Least-Loaded Expert Parallelism"),
    ('/papers search "Venmugil Elango"', "1. LatentMoE: Toward Optimal Accuracy per FLOP"),
    ('/papers search "unclosed', "== Search: \"unclosed =="),
    ("/papers show 2601.18089", "Relevance 10 · Novelty 9\nWhy: MoE Architecture + Efficiency"),
    ("/papers cost all", "No LLM calls in this period: nothing spent."),
    ("/papers help", "- /papers upvote <arxiv id> — upvote a paper for the team"),
    ("/papers nonsense", "/papers has no subcommand 'nonsense'."),
    ("/papers show <https://arxiv.org/abs/2601.18089v2|arxiv.org/abs/2601.18089v2>", "LatentMoE: Toward Optimal"),
    ("/help", "- /criteria preview [days] — what the current criteria would have picked"),
    ("/help explain", "/explain <arxiv id or URL> [question]"),
])
def test_papers_through_paperbot_ask(ask_store, line: str, expected: str) -> None:
    tmp, today = ask_store
    fill = {"today": today.isoformat(), "three_days_ago": (today - timedelta(days=3)).isoformat()}
    out = ask(write_config(tmp), line.format(**fill))
    assert expected.format(**fill) in out, out[:800]


@pytest.mark.usefixtures("no_llm_env")
def test_upvote_then_top_and_mine_through_paperbot_ask(tmp_path: Path, arxiv_server: ArxivServer) -> None:
    store = Store.open(tmp_path / "paperbot.db")
    seed_store(store)
    store.close()
    config = write_config(tmp_path, arxiv_api=arxiv_server.api_url)
    assert ask(config, "/papers upvote 2601.18401", user="alice").startswith("Upvoted “Superlinear Multi-Step")
    assert ask(config, "/papers upvote 2601.18401", user="carol").endswith("+2 votes now.\n")
    assert ask(config, "/papers upvote 1605.08386", user="bob", platform="slack").startswith(
        "Upvoted “Heat-bath random walks with Markov bases” (1605.08386)")  # fetched from arXiv first
    top = ask(config, "/papers top")
    assert "1. Superlinear Multi-Step Attention — 2601.18401 — Relevance 10 · Novelty 9 · +2 votes" in top
    assert "2. Heat-bath random walks with Markov bases — 1605.08386 — Relevance – · Novelty – · +1 votes" in top
    mine = ask(config, "/papers mine", user="alice")
    assert "Superlinear" in mine and "Heat-bath" not in mine
    shown = ask(config, "/papers show 1605.08386")
    assert "Picked: never picked by this team" in shown and "+1 votes" in shown
    assert [r.param("id_list") for r in arxiv_server.requests] == ["1605.08386"]
