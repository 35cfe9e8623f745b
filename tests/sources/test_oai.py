"""OAI-PMH ListRecords: the recorded answers parse, and the real client (requests, our Throttle) reads a day
from the fake arXiv server, page by page, through 503s."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from bot.core.models import Paper
from bot.ports import UpstreamError
from bot.sources.oai import OaiArchive, announce_type, oai_set, parse_list_records
from tests.fakes.arxiv_oai import FakeOai, OaiSpec
from tests.fakes.arxiv_server import ArxivServer, Reply

OAI = Path(__file__).resolve().parents[1] / "fixtures" / "arxiv_oai"
RECORDED = OAI / "oaipmh-listrecords---should-list-identifiers-from-arxiv__1_http200.xml"
RECORDED_503 = OAI / "oaipmh-listrecords---should-list-identifiers-from-arxiv__0_http503.html"
DAY = date(2026, 2, 6)


def test_the_recorded_list_records_answer_parses_and_tells_new_from_edits() -> None:
    page = parse_list_records(RECORDED.read_bytes(), url="recorded")
    assert page.token == ""
    new, edit = page.records
    assert new.paper.arxiv_id == "1412.8544" and new.datestamp == date(2015, 1, 3)
    assert new.paper.authors == ("Sander Uijlen", "Bas Westerbaan") and new.paper.categories == ("cs.DM",)
    assert new.paper.abstract.startswith("At the heart of the Conway-Kochen Free Will theorem")
    assert announce_type(new, ["cs.DM"]) == "new"  # created 2014-12-29, within the week before its datestamp
    assert edit.paper.arxiv_id == "hep-th/9504118"
    assert announce_type(edit, ["hep-th"]) is None  # a 1995 paper whose metadata changed: not an announcement
    assert announce_type(new, ["cs.LG"]) is None  # not the team's category


def test_sets_are_the_recorded_ones() -> None:
    sets = set(re.findall(r"<setSpec>([^<]+)</setSpec>", (OAI / "oaipmh-listsets---should-list-arxiv-sets__0_http200.xml")
                          .read_text()))
    for category in ("cs.LG", "cs.AI", "stat.ML", "math.OC", "quant-ph", "hep-th", "cond-mat.stat-mech",
                     "astro-ph.GA", "eess.SP", "q-bio.NC", "q-fin.ST", "econ.EM", "physics.comp-ph", "nlin.AO"):
        assert oai_set(category) in sets, category


def _paper(i: int, cats: tuple[str, ...] = ("cs.LG",)) -> Paper:
    return Paper(f"2602.{i:05d}", f"Paper {i}", f"Abstract {i}.", ("Ada Lovelace", "Alan Turing"), cats)


async def test_a_day_is_read_page_by_page_with_cross_lists_kept_and_edits_left_out() -> None:
    records = [OaiSpec(_paper(i), DAY, date(2026, 2, 4)) for i in range(5)]
    records += [OaiSpec(_paper(10, ("stat.ML", "cs.LG")), DAY, date(2026, 2, 5)),  # cross-list
                OaiSpec(_paper(11), DAY, date(2025, 3, 1)),  # an old paper's metadata edit
                OaiSpec(_paper(12), DAY, date(2025, 3, 1), updated=date(2026, 2, 5)),  # a replacement
                OaiSpec(_paper(13, ("math.OC",)), DAY, date(2026, 2, 4)),  # another set
                OaiSpec(_paper(14), date(2026, 2, 5), date(2026, 2, 3))]  # another day
    with ArxivServer() as server:
        server.oai = FakeOai(records, page_size=2)
        archive = OaiArchive(oai_url=server.oai_url, timeout_s=5)
        archive.throttle.min_interval_s = 0.0
        listing = await archive.announced(DAY, ["cs.LG", "cs.AI"], ["new", "cross"])
        asked = [r.query for r in server.requests if r.path == "/oai"]
    assert listing.day == DAY
    assert [(e.paper.arxiv_id, e.announce_type) for e in listing.entries] == [
        *((f"2602.{i:05d}", "new") for i in range(5)), ("2602.00010", "cross")]
    first = asked[0]
    assert (first["verb"], first["metadataPrefix"], first["set"], first["from"], first["until"]) == (
        ["ListRecords"], ["arXiv"], ["cs"], ["2026-02-06"], ["2026-02-06"])
    assert len(asked) == 4 and all(set(q) == {"verb", "resumptionToken"} for q in asked[1:])  # 7 records, 2 a page
    e = listing.entries[0].paper
    assert e.authors == ("Ada Lovelace", "Alan Turing") and e.published == "2026-02-04"


async def test_a_day_without_an_announcement_is_an_empty_listing() -> None:
    with ArxivServer() as server:
        server.oai = FakeOai([])
        archive = OaiArchive(oai_url=server.oai_url, timeout_s=5)
        listing = await archive.announced(date(2026, 2, 7), ["cs.LG"], ["new"])
    assert listing.day is None and listing.entries == ()


async def test_the_recorded_503_is_waited_out_and_an_expired_token_is_an_error() -> None:
    with ArxivServer() as server:
        server.add("/oai", Reply(503, RECORDED_503.read_bytes(), headers={"Retry-After": "1"},
                                 content_type="text/html"), Reply(200, RECORDED.read_bytes()))
        archive = OaiArchive(oai_url=server.oai_url, timeout_s=5)
        archive.throttle.min_interval_s = 0.0
        listing = await archive.announced(date(2015, 1, 3), ["cs.DM"], ["new"])
        seen = [r.at for r in server.requests]
    assert [e.paper.arxiv_id for e in listing.entries] == ["1412.8544"]
    assert seen[1] - seen[0] >= 0.95  # Retry-After honoured
    with ArxivServer() as server:
        server.oai = FakeOai([])
        archive = OaiArchive(oai_url=server.oai_url, timeout_s=5)
        with pytest.raises(UpstreamError, match="badResumptionToken"):
            await archive.page({"verb": "ListRecords", "resumptionToken": "12345|1001"})
