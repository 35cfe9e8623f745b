"""/papers stats (and the live arXiv search) on Discord: INTERACTION_CREATE events (the docs' recorded example,
re-targeted) through the real discord.py client; answers read off the fake REST API."""

from __future__ import annotations

from bot.platforms.discord.adapter import DiscordAdapter
from storage import votes
from tests.fakes.discord_api import FakeDiscord
from tests.handlers.test_arxiv_search import serve_del_maestro, source_for
from tests.platforms.discord.conftest import (
    TEAM,
    USER_ID,
    Service,
    interaction,
    make_digest,
    seed_papers,
    store_digest,
)
from tests.platforms.discord.test_interactions import ask, text_of


async def test_stats_month_lists_the_numbers_and_the_picks_authors(adapter: DiscordAdapter, service: Service,
                                                                  fake: FakeDiscord) -> None:
    rows = seed_papers(12)
    await store_digest(service, make_digest(rows))
    await service.deps.store.call(votes.set_vote, team=TEAM, arxiv_id=rows[0][0].arxiv_id, platform="discord",
                                  user=USER_ID, value=-1)
    payload = interaction("papers", [{"type": 3, "name": "view", "value": "stats"},
                                     {"type": 3, "name": "args", "value": "month"}])
    cb = await ask(fake, payload)
    data = cb.json["data"]
    assert data["flags"] & 64 and data["allowed_mentions"] == {"parse": []}
    text = text_of(data)
    assert "**foundations · stats, last 30 days**" in text
    for part in ("**Digests** 1 day", "**Listed** 700 papers", "**Scored** 62", "**Picked** 12", "**Posted** 0",
                 "**Votes** 1 (👍 0 · 👎 1) on 1 paper", "**Voters** 1", "**cs.LG** — 12 picks"):
        assert part in text, part


async def test_live_arxiv_search(adapter: DiscordAdapter, service: Service, fake: FakeDiscord, arxiv_server) -> None:
    service.deps.source = source_for(arxiv_server)
    payload = interaction("papers", [{"type": 3, "name": "view", "value": "search"},
                                     {"type": 3, "name": "args", "value": '--arxiv au:del_maestro ti:checkerboard'}])
    serve_del_maestro(arxiv_server)
    cb = await ask(fake, payload)
    text = text_of(cb.json["data"])
    assert "From stripe to checkerboard order on the square lattice" in text
    assert "arXiv: 1 match for au:del\\_maestro AND ti:checkerboard" in text
    assert [r.param("search_query") for r in arxiv_server.requests] == ["au:del_maestro AND ti:checkerboard"]
