"""Files in Discord: /papers export answers with an attachment (discord.py's multipart: payload_json +
files[n]), fed in as gateway INTERACTION_CREATE events to the real client."""

from __future__ import annotations

import csv
import io

from bot.platforms.discord.adapter import DiscordAdapter
from tests.fakes.discord_api import FakeDiscord
from tests.platforms.discord.conftest import Service, interaction, make_digest, seed_papers, store_digest
from tests.platforms.discord.test_interactions import ask


async def test_export_answers_with_the_file_attached(adapter: DiscordAdapter, fake: FakeDiscord,
                                                     service: Service) -> None:
    rows = seed_papers(6)
    await store_digest(service, make_digest(rows))
    payload = interaction("papers", [{"type": 3, "name": "view", "value": "export"},
                                     {"type": 3, "name": "args", "value": "day 2026-01-28 csv"}])
    cb = await ask(fake, payload)
    [(name, data)] = cb.files
    assert name == "foundations-2026-01-28.csv"
    got = [r["arxiv_id"] for r in csv.DictReader(io.StringIO(data.decode("utf-8")))]
    assert sorted(got) == sorted(p.arxiv_id for p, _ in rows)
    body = cb.json["data"]
    assert body["flags"] & 64  # private unless shared, the file too
    assert body["attachments"][0]["filename"] == name and "6 papers as CSV" in body["attachments"][0]["description"]
    assert "foundations-2026-01-28.csv" in body["content"]
