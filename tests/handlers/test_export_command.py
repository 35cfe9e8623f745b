"""/papers export <period> bibtex|csv on a store seeded with the two real seed digests."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pybtex.database import parse_string

from bot.core.export import CSV_COLUMNS
from storage import votes
from tests.handlers.seeding import TEAM, reply, run, seed_rows, seed_store
from tests.support import FixedClock, make_config, make_deps

ASKED_ON = datetime(2026, 2, 5, 12, 0, tzinfo=UTC)


@pytest.fixture
def deps(tmp_path: Path):
    d = make_deps(make_config(tmp_path), clock=FixedClock(ASKED_ON))
    seed_store(d.store)
    yield d
    d.store.close()


def _seed_ids(day: str) -> set[str]:
    return {r["arxiv_id"] for r in seed_rows() if r["digest_date"] == day}


async def test_a_day_as_bibtex_is_one_entry_per_pick_that_bibtex_parses(deps) -> None:
    msg = await reply(deps, "/papers export day 2026-01-27 bibtex")
    att = msg.attachment
    assert att is not None and att.filename == "foundations-2026-01-27.bib" and att.mime == "application/x-bibtex"
    bib = parse_string(att.data.decode("utf-8"), "bibtex")
    assert {e.fields["eprint"] for e in bib.entries.values()} == _seed_ids("2026-01-27")
    assert f"{len(bib.entries)} papers as BibTeX" in msg.fallback
    assert "foundations-2026-01-27.bib" in await run(deps, "/papers export day 2026-01-27 bibtex")


async def test_the_week_as_csv_has_the_documented_columns_and_the_list_order(deps) -> None:
    deps.store.sync(votes.set_vote, team=TEAM, arxiv_id="2601.18089", platform="slack", user="U1", value=1)
    msg = await reply(deps, "/papers export week csv")
    att = msg.attachment
    assert att is not None and att.filename == "foundations-week-2026-01-30-2026-02-05.csv"
    rows = list(csv.DictReader(io.StringIO(att.data.decode("utf-8"))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert {r["arxiv_id"] for r in rows} == _seed_ids("2026-02-05")  # 2026-01-27 is out of the week
    month = list(csv.DictReader(io.StringIO((await reply(deps, "/papers export month csv")).attachment.data.decode())))
    assert month[0]["arxiv_id"] == "2601.18089" and month[0]["votes"] == "1"  # votes first, as /papers month


async def test_top_mine_and_today_and_the_default_format(deps) -> None:
    deps.store.sync(votes.set_vote, team=TEAM, arxiv_id="2602.04163", platform="slack", user="U1", value=1)
    top = await reply(deps, "/papers export top all")
    assert top.attachment is not None and top.attachment.filename == "foundations-top-all.bib"
    assert "2602.04163" in top.attachment.data.decode()
    mine = await reply(deps, "/papers export mine csv", user="U1")
    assert mine.attachment is not None and "2602.04163" in mine.attachment.data.decode()
    today = await reply(deps, "/papers export today")
    assert today.attachment is not None and today.attachment.filename == "foundations-today-2026-02-05.bib"


async def test_bad_periods_and_empty_periods_are_explained_without_a_file(deps) -> None:
    for line, words in (("/papers export", "Say which papers"), ("/papers export yesterday csv", "not a period"),
                        ("/papers export day 2026-13-01", "not a date"), ("/papers export top year", "Choose one"),
                        ("/papers export week pdf", "takes only a format")):
        msg = await reply(deps, line)
        assert msg.attachment is None and words in msg.fallback, (line, msg.fallback)
    empty = await reply(deps, "/papers export day 2026-01-03")
    assert empty.attachment is None and "Nothing to export" in empty.fallback


async def test_a_shared_export_is_posted_for_the_channel(deps) -> None:
    msg = await reply(deps, "/papers export week bibtex share")
    assert msg.attachment is not None and msg.ephemeral is False
