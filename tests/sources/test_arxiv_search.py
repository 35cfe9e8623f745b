"""ArxivSource.search against the fake arXiv, through the real arxiv client: recorded answers, and the ways a
search answer can go wrong (each variant is made from a recording and says how)."""

from __future__ import annotations

import re

import pytest

from bot.ports import UpstreamError
from tests.fakes.arxiv_server import ATOM_TYPE, ArxivServer, Reply
from tests.handlers.test_arxiv_search import DEL_MAESTRO, TESTING_PAGE_1, source_for

QUERY = {"search_query": "au:del_maestro AND ti:checkerboard"}
NO_ENTRIES = re.sub(rb"\s*<entry>.*</entry>", b"", DEL_MAESTRO, flags=re.S)  # the header says 1 match, no entry


async def test_a_recorded_page_and_arxiv_s_count(arxiv_server: ArxivServer) -> None:
    papers, total = await source_for(arxiv_server).search("testing", start=0, max_results=10)
    assert [p.arxiv_id for p in papers] == TESTING_PAGE_1 and total == 214_881
    first = papers[0]
    assert (first.published, first.version, first.categories[0]) == ("2022-02-24", 1, "cs.SE")
    assert len(arxiv_server.requests) == 1


async def test_the_2016_answer_format_reads_the_same(arxiv_server: ArxivServer) -> None:
    arxiv_server.add("/api/query", Reply(200, DEL_MAESTRO, content_type=ATOM_TYPE), query=QUERY)
    (paper,), total = await source_for(arxiv_server).search(QUERY["search_query"])
    assert total == 1 and paper.arxiv_id == "cond-mat/0603029"
    assert paper.title == ("From stripe to checkerboard order on the square lattice in the presence of quenched "
                           "disorder")
    assert paper.categories == ("cond-mat.str-el", "cond-mat.supr-con")


async def test_an_empty_page_of_a_search_that_has_results_is_asked_again(arxiv_server: ArxivServer) -> None:
    arxiv_server.add("/api/query", Reply(200, NO_ENTRIES, content_type=ATOM_TYPE),
                     Reply(200, DEL_MAESTRO, content_type=ATOM_TYPE), query=QUERY)
    papers, total = await source_for(arxiv_server, max_retries=2).search(QUERY["search_query"])
    assert [p.arxiv_id for p in papers] == ["cond-mat/0603029"] and total == 1
    assert len(arxiv_server.requests) == 2


@pytest.mark.parametrize("body", [b"<html><body><h1>Retry after 10 seconds</h1></body></html>",
                                  b"Service temporarily unavailable"], ids=["html", "text"])
async def test_an_answer_that_is_not_a_feed_is_an_upstream_error(arxiv_server: ArxivServer, body: bytes) -> None:
    arxiv_server.add("/api/query", Reply(200, body, content_type="text/html"), query=QUERY)
    with pytest.raises(UpstreamError, match="arXiv: the search was not answered with an API feed"):
        await source_for(arxiv_server).search(QUERY["search_query"])


async def test_http_400_is_an_upstream_error_at_once(arxiv_server: ArxivServer) -> None:
    arxiv_server.add("/api/query", Reply(400, "bad query"), query=QUERY)
    with pytest.raises(UpstreamError, match="HTTP 400 for a search"):
        await source_for(arxiv_server, max_retries=3).search(QUERY["search_query"])
    assert len(arxiv_server.requests) == 1
