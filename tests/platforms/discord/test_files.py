"""Files in Discord: /papers export answers with an attachment (discord.py's multipart: payload_json +
files[n]); /papers import reads the file of its attachment option. Fed in as gateway INTERACTION_CREATE
events to the real client."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from bot.platforms.discord.adapter import DiscordAdapter
from storage import examples
from storage import papers as paper_store
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


LISTS = Path(__file__).resolve().parents[2] / "fixtures" / "reading_lists"


def _import_payload(fake: FakeDiscord, name: str) -> dict:
    """/papers view:import file:<name> — the attachment option and its resolved object (see FakeDiscord.upload)."""
    att = fake.upload(name, (LISTS / name).read_bytes())
    payload = interaction("papers", [{"type": 3, "name": "view", "value": "import"},
                                     {"type": 11, "name": "file", "value": att["id"]}])
    payload["data"]["resolved"] = {"attachments": {att["id"]: att}}
    return payload


async def test_papers_import_reads_the_attached_file(adapter: DiscordAdapter, fake: FakeDiscord,
                                                     service: Service) -> None:
    superlinear = next(p for p, _ in seed_papers() if p.arxiv_id == "2601.18401")
    await service.deps.store.call(paper_store.upsert_papers, [superlinear])  # stored: arXiv is not asked
    cb = await ask(fake, _import_payload(fake, "zotero.csv"))
    assert fake.find("GET", r"^/attachments/.*/zotero\.csv$")  # read from the URL Discord resolved it to
    assert cb.json["type"] == 4 and cb.json["data"]["flags"] & 64
    assert "Imported 2 of 3 entries of zotero.csv as the positive examples of foundations" \
        in cb.json["data"]["content"]
    assert await service.deps.store.call(examples.team_examples, "foundations") == {
        "2601.18401": 1, "doi:10.1038/nature14539": 1}


def test_the_papers_command_has_a_file_option() -> None:
    import handlers.commands  # noqa: F401
    from bot.platforms.discord.commands import ATTACHMENT, definition
    from handlers.registry import REGISTRY

    papers = definition(REGISTRY.get("papers"))
    [file] = [o for o in papers["options"] if o["name"] == "file"]
    assert file["type"] == ATTACHMENT and not file["required"]
    assert all(o["name"] != "file" for o in definition(REGISTRY.get("criteria"))["options"])
