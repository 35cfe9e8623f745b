"""/papers search --arxiv: the real ArxivSource (arxiv package) against the fake arXiv replaying recorded answers
(tests/fixtures/arxiv_api: the paginated `search_query=testing` of arxiv.py's tests, and the 2016 answer to
`au:del_maestro AND ti:checkerboard`, the arXiv API manual's example), on a real SQLite store."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from bot.core.message import Action, Header
from bot.core.models import Digest, Pick, Score
from bot.sources.arxiv import ArxivSource
from storage import digests
from storage import papers as paper_store
from tests.fakes.arxiv_server import ATOM_TYPE, FIXTURES, ArxivServer, Reply
from tests.fakes.openai_server import FakeOpenAI
from tests.handlers.paper_chat import SCORE_COMMENT, llm_deps
from tests.handlers.seeding import TEAM, ask, cards, no_llm_env, reply, run, seed_store, write_config  # noqa: F401
from tests.support import make_config, make_deps

README = Path(__file__).resolve().parents[2] / "README.md"
DEL_MAESTRO = (FIXTURES / "arxiv_api" / "legacy_2016" / "q_au_del_maestro_AND_ti_checkerboard.xml").read_bytes()
TESTING_PAGE_1 = ["2202.12139", "2405.13786", "2005.14124", "2204.08348", "2302.03287", "1202.4527", "2503.05378",
                  "1205.1866", "2502.07719", "1812.11470"]  # the ids in the recorded answer, in its order


def serve_del_maestro(server: ArxivServer) -> None:
    """The recorded answer, on the query our translation of `au:del_maestro ti:checkerboard` sends."""
    server.add("/api/query", Reply(200, DEL_MAESTRO, content_type=ATOM_TYPE),
               query={"search_query": "au:del_maestro AND ti:checkerboard", "start": "0", "max_results": "10"})


def source_for(server: ArxivServer, **kw: float) -> ArxivSource:
    kw.setdefault("min_interval_s", 0.01)
    kw.setdefault("timeout_s", 2)
    kw.setdefault("max_retries", 1)
    return ArxivSource(rss_url=server.rss_url, api_url=server.api_url, html_url=server.html_url, **kw)


@pytest.fixture
def deps(tmp_path: Path, arxiv_server: ArxivServer):
    serve_del_maestro(arxiv_server)
    d = make_deps(make_config(tmp_path), source=source_for(arxiv_server))
    yield d
    d.store.close()


async def test_a_page_of_arxiv_results_is_shown_stored_and_pages_on(deps, arxiv_server: ArxivServer) -> None:
    msg = await reply(deps, "/papers search --arxiv testing")
    assert msg.blocks[0] == Header("arXiv search: testing")
    assert [c.arxiv_id for c in cards(msg)] == TESTING_PAGE_1 and [c.rank for c in cards(msg)] == list(range(1, 11))
    assert cards(msg)[0].title == "Testing Deep Learning Models: A First Comparative Study of Multiple Testing Techniques"
    assert msg.actions == (Action("More", "/papers search --arxiv testing --page 2"),)
    footer = msg.blocks[-1].spans[0]
    assert footer.startswith("arXiv: 214,881 matches for testing, most relevant first, now stored: /papers show "
                             "<id> scores one for the team.")
    assert "Pages stop at the first 100" in footer and footer.endswith("Page 1 of 10 — /papers search --arxiv testing "
                                                                       "--page 2")
    (asked,) = arxiv_server.requests  # one request for one page, with the query arXiv recorded
    assert {k: asked.param(k) for k in ("search_query", "start", "max_results", "sortBy")} == {
        "search_query": "testing", "start": "0", "max_results": "10", "sortBy": "relevance"}
    stored = deps.store.sync(paper_store.get_paper, "2202.12139")
    assert stored is not None and stored.categories and stored.authors

    page2 = await reply(deps, "/papers search testing --arxiv --page 2")  # the flag may stand anywhere
    assert [c.rank for c in cards(page2)] == list(range(11, 21))
    assert not set(c.arxiv_id for c in cards(page2)) & set(TESTING_PAGE_1)
    assert arxiv_server.requests[-1].param("start") == "10"


async def test_fields_and_phrases_reach_arxiv_as_its_query_syntax(deps, arxiv_server: ArxivServer) -> None:
    text = await run(deps, "/papers search --arxiv au:del_maestro ti:checkerboard")
    assert "1. From stripe to checkerboard order on the square lattice in the presence of quenched disorder — " \
           "cond-mat/0603029 — Relevance – · Novelty –" in text
    assert "arXiv: 1 match for au:del_maestro AND ti:checkerboard" in text and "Page" not in text
    await run(deps, '/papers search --arxiv ti:"quantum criticality" cat:cond-mat.str-el OR cat:quant-ph')
    assert arxiv_server.requests[-1].param("search_query") == \
        'ti:"quantum criticality" AND cat:cond-mat.str-el OR cat:quant-ph'


async def test_a_found_paper_is_scored_by_show_with_the_local_ranker(deps, arxiv_server: ArxivServer) -> None:
    await run(deps, "/papers search --arxiv au:del_maestro ti:checkerboard")
    asked = len(arxiv_server.requests)
    shown = await run(deps, "/papers show cond-mat/0603029")
    assert len(arxiv_server.requests) == asked  # answered from the store
    assert "Authors: Adrian Del Maestro, Bernd Rosenow, Subir Sachdev" in shown
    assert re.search(r"Relevance \d+(\.\d)? · Novelty \d+(\.\d)?", shown), shown  # a number, not "–"
    assert "Picked: never picked by this team" in shown
    assert "Scored just now by the local ranker (no LLM configured): approximate." in shown


async def test_a_found_paper_is_scored_by_show_with_the_llm_once(tmp_path: Path, arxiv_server: ArxivServer,
                                                               openai_server: FakeOpenAI) -> None:
    serve_del_maestro(arxiv_server)
    d, chat = llm_deps(make_config(tmp_path), openai_server, arxiv_server)
    try:
        seed_store(d.store)
        await run(d, "/papers search --arxiv au:del_maestro ti:checkerboard")
        first = await run(d, "/papers show cond-mat/0603029")
        again = await run(d, "/papers show cond-mat/0603029")
        cost = await run(d, "/papers cost")
    finally:
        d.store.close()
        await chat.aclose()
    assert "Relevance 9 · Novelty 8" in first and f"Why: {SCORE_COMMENT}" in first
    assert "Scored just now by gpt-4o-mini against the team's criteria." in first
    assert "Scored earlier by gpt-4o-mini" in again and "Relevance 9 · Novelty 8" in again
    assert len(openai_server.requests) == 1  # one scoring call, then the cache
    assert re.search(r"score\s+1\s", cost), cost


async def test_a_paper_the_team_picked_shows_its_score(deps) -> None:
    found = (await deps.need_source().search("testing", max_results=10))[0]
    pick = Pick(found[2], Score(found[2].arxiv_id, 9, 7, "fuzzing CPS", "llm:gpt-5"))
    deps.store.sync(paper_store.upsert_papers, [pick.paper])
    deps.store.sync(digests.save_digest, Digest(TEAM, date(2026, 1, 20), "llm:gpt-5", 1, 1, (pick,),
                                                         digest_size=10))
    shown = cards(await reply(deps, "/papers search --arxiv testing"))
    assert [(c.relevance, c.novelty) for c in shown][:3] == [(None, None), (None, None), (9, 7)]


async def test_no_match(deps) -> None:
    msg = await reply(deps, "/papers search --arxiv qwertyuiopasdfgh")  # the fake answers an empty feed
    assert "arXiv has no paper matching qwertyuiopasdfgh." in msg.fallback and not cards(msg)


@pytest.mark.parametrize(("line", "says"), [
    ("/papers search --arxiv", "Type what to search arXiv for."),
    ("/papers search --ARXIV ((( )))", "There is nothing to search arXiv for"),
    ("/papers search --arxiv cat:cs.XX sparse", "'cs.XX' is not an arXiv category (e.g. cs.LG"),
    ("/papers search --arxiv testing --page 11", "A live arXiv search shows its first 100 matches only"),
])
async def test_bad_input_is_a_friendly_error_and_asks_nothing(deps, arxiv_server: ArxivServer, line: str,
                                                              says: str) -> None:
    text = await run(deps, line)
    assert text.startswith(says) and text.endswith("Usage: /papers search [--arxiv] <words>")
    assert arxiv_server.requests == []


async def test_a_page_past_the_end(deps, arxiv_server: ArxivServer) -> None:
    # What arXiv answers past the last match: its feed header (1 match in all) and no entry. Made from the
    # recording by removing its entry.
    past = re.sub(rb"\s*<entry>.*</entry>", b"", DEL_MAESTRO, flags=re.S)
    arxiv_server.add("/api/query", Reply(200, past, content_type=ATOM_TYPE),
                     query={"search_query": "au:del_maestro AND ti:checkerboard", "start": "10"})
    text = await run(deps, "/papers search --arxiv au:del_maestro ti:checkerboard --page 2")
    assert text.startswith("There is no page 2: arXiv has 1 match.")


async def test_arxiv_failing_is_one_friendly_reply_after_retries(deps, arxiv_server: ArxivServer) -> None:
    arxiv_server.add("/api/query", Reply(503, "busy", headers={"Retry-After": "0"}))
    text = await run(deps, "/papers search --arxiv testing")
    assert text.startswith("arXiv is not answering right now (HTTP 503 from ") and "Please try again in a minute." \
        in text
    assert len(arxiv_server.requests) == 2  # a try and the one retry this source allows


async def test_a_timeout_is_a_friendly_reply(tmp_path: Path, arxiv_server: ArxivServer) -> None:
    arxiv_server.add("/api/query", Reply(200, DEL_MAESTRO, content_type=ATOM_TYPE, delay_s=1.0))
    d = make_deps(make_config(tmp_path), source=source_for(arxiv_server, timeout_s=0.2, max_retries=0))
    try:
        text = await run(d, "/papers search --arxiv checkerboard")
    finally:
        d.store.close()
    assert re.match(r"arXiv is not answering right now \(.*Timeout", text), text


async def test_searches_keep_the_arxiv_interval(tmp_path: Path, arxiv_server: ArxivServer) -> None:
    serve_del_maestro(arxiv_server)
    d = make_deps(make_config(tmp_path), source=source_for(arxiv_server, min_interval_s=0.3))
    try:
        await run(d, "/papers search --arxiv testing")
        await run(d, "/papers search --arxiv au:del_maestro ti:checkerboard")
    finally:
        d.store.close()
    first, second = arxiv_server.requests
    assert second.at - first.at >= 0.3 and arxiv_server.max_in_flight == 1


async def test_the_readme_example_is_what_the_bot_says(tmp_path: Path, arxiv_server: ArxivServer) -> None:
    section = README.read_text(encoding="utf-8").split("**Live arXiv search.**", 1)[1]
    example, answer = re.findall(r"```text\n(.*?)\n```", section, flags=re.S)[:2]
    serve_del_maestro(arxiv_server)
    d = make_deps(make_config(tmp_path), source=source_for(arxiv_server))
    try:
        seed_store(d.store)
        got = await run(d, example, user="alice", platform="console")
    finally:
        d.store.close()
    assert got == answer


@pytest.mark.usefixtures("no_llm_env")
def test_search_arxiv_through_paperbot_ask(tmp_path: Path, arxiv_server: ArxivServer) -> None:
    serve_del_maestro(arxiv_server)
    config = write_config(tmp_path, arxiv_api=arxiv_server.api_url)
    out = ask(config, "/papers search --arxiv au:del_maestro ti:checkerboard")
    assert "1. From stripe to checkerboard order" in out
    assert ask(config, "/papers show cond-mat/0603029").startswith("From stripe to checkerboard order")
    assert [r.param("search_query") for r in arxiv_server.requests] == ["au:del_maestro AND ti:checkerboard"]
