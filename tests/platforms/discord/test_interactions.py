"""Slash commands, buttons, menus, the criteria modal and autocomplete, fed in as gateway INTERACTION_CREATE
events (built from the docs' recorded interaction example) to the real client; answers read off the fake."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.platforms.discord.adapter import DiscordAdapter
from bot.platforms.discord.interactions import request_for
from storage import criteria as criteria_store
from storage import votes
from tests.fakes.discord_api import CHANNEL_ID, GUILD_ID, FakeDiscord, Recorded, example
from tests.platforms.discord.conftest import (
    LEADS_ROLE,
    MANAGE_GUILD,
    TEAM,
    USER_ID,
    Service,
    component,
    discord_config,
    interaction,
    make_digest,
    seed_papers,
    store_digest,
    until,
)
from tests.support import make_deps


async def ask(fake: FakeDiscord, payload: dict[str, Any]) -> Recorded:
    """Dispatch an interaction and return the callback the bot answered it with."""
    await fake.dispatch("INTERACTION_CREATE", payload)
    return (await until(lambda: fake.find("POST", f"^/interactions/{payload['id']}/"),
                        what=f"a callback for interaction {payload['id']}"))[0]


async def followups(fake: FakeDiscord, payload: dict[str, Any], n: int = 1) -> list[Recorded]:
    """The webhook follow-ups sent with the interaction's token (after a defer)."""
    return await until(lambda: len(got := fake.find("POST", f"^/webhooks/\\d+/{payload['token']}$")) >= n and got,
                       what=f"{n} follow-up(s) for interaction {payload['id']}")


def text_of(body: dict[str, Any]) -> str:
    """Content plus embed text of a message body."""
    parts = [body.get("content") or ""]
    for e in body.get("embeds") or []:
        parts += [e.get("title", ""), e.get("description", ""), *(f["value"] for f in e.get("fields", []))]
    return "\n".join(parts)


@pytest.fixture
async def stocked(adapter: DiscordAdapter, service: Service) -> DiscordAdapter:
    """The adapter with today's 12-paper digest in the store."""
    await store_digest(service, make_digest(seed_papers(12)))
    return adapter


async def test_papers_today_answers_ephemerally(stocked: DiscordAdapter, fake: FakeDiscord) -> None:
    payload = interaction("papers", [{"type": 3, "name": "view", "value": "today"}])
    cb = await ask(fake, payload)

    assert cb.json["type"] == 4  # answered directly: the store answered within the fast-reply budget
    data = cb.json["data"]
    assert data["flags"] & 64  # ephemeral
    assert data["allowed_mentions"] == {"parse": []}
    first, _ = seed_papers(1)[0]
    assert first.title in text_of(data) and first.arxiv_id in text_of(data)


async def test_share_makes_the_answer_public(stocked: DiscordAdapter, fake: FakeDiscord) -> None:
    payload = interaction("papers", [{"type": 3, "name": "view", "value": "today"},
                                     {"type": 5, "name": "share", "value": True}])
    cb = await ask(fake, payload)
    assert cb.json["type"] == 4 and not cb.json["data"].get("flags", 0) & 64


async def test_slow_command_defers_then_follows_up(adapter: DiscordAdapter, fake: FakeDiscord) -> None:
    payload = interaction("explain", [{"type": 3, "name": "args", "value": "2601.16725"}])
    cb = await ask(fake, payload)

    assert cb.json == {"type": 5, "data": {"flags": 64}}  # deferred, "thinking", ephemeral
    (follow,) = await followups(fake, payload)
    assert "No LLM is configured" in follow.json["content"]  # the registry's NotConfigured text
    assert follow.json["flags"] & 64 and follow.json["allowed_mentions"] == {"parse": []}


async def test_defer_when_the_answer_takes_too_long(adapter: DiscordAdapter, fake: FakeDiscord) -> None:
    adapter.runner.fast_reply_s = 0  # as if the store were busy: any command gets deferred
    payload = interaction("criteria", [{"type": 5, "name": "share", "value": True}])
    cb = await ask(fake, payload)

    assert cb.json == {"type": 5}  # deferred "thinking", public (no ephemeral flag)
    (follow,) = await followups(fake, payload)
    assert "MoE" in text_of(follow.json) and not follow.json.get("flags", 0) & 64


async def test_criteria_edit_opens_a_modal_and_submit_saves(adapter: DiscordAdapter, fake: FakeDiscord,
                                                           service: Service) -> None:
    cb = await ask(fake, interaction("criteria", [{"type": 3, "name": "action", "value": "edit"}]))

    assert cb.json["type"] == 9  # MODAL
    modal = cb.json["data"]
    label = modal["components"][0]
    text_input = label["component"]
    assert label["type"] == 18 and text_input["style"] == 2 and text_input["max_length"] == 4000
    current = await service.deps.store.call(criteria_store.current_criteria, TEAM)
    assert text_input["value"] == current.criteria.topics[:4000]  # pre-filled with the current topics

    submit = interaction("", kind=5)
    submit["data"] = {"custom_id": modal["custom_id"], "components": [
        {"type": 18, "id": label.get("id", 1), "component": {"type": 4, "id": 2, "custom_id": text_input["custom_id"],
                                                             "value": "Sparse experts and quantization."}}]}
    answer = await ask(fake, submit)
    assert answer.json["type"] == 4 and answer.json["data"]["flags"] & 64
    saved = await service.deps.store.call(criteria_store.current_criteria, TEAM)
    assert saved.criteria.topics == "Sparse experts and quantization."
    assert saved.author == f"discord:{USER_ID}"


async def test_button_runs_the_command_for_the_clicker(stocked: DiscordAdapter, fake: FakeDiscord,
                                                       service: Service) -> None:
    thread_parent = (await stocked.chat.post(CHANNEL_ID, _one_card_message()))[0]
    posted = fake.messages[thread_parent]
    upvote = next(c for row in posted["components"] for c in row["components"] if c["label"] == "Upvote")

    cb = await ask(fake, component(posted, upvote["custom_id"]))
    assert cb.json["type"] == 4 and cb.json["data"]["flags"] & 64  # answered to the clicker only
    assert "Upvoted" in cb.json["data"]["content"]
    pid = seed_papers(1)[0][0].arxiv_id
    assert await service.deps.store.call(votes.net_votes, TEAM, [pid]) == {pid: 1}


async def test_menu_pick_runs_its_command(stocked: DiscordAdapter, fake: FakeDiscord) -> None:
    from bot.core.digest_view import digest_thread

    pid = (await stocked.chat.post(CHANNEL_ID, digest_thread(make_digest(seed_papers(3))).parent))[0]
    posted = fake.messages[pid]
    explain = next(c for row in posted["components"] for c in row["components"] if c.get("placeholder") == "Explain…")
    chosen = explain["options"][1]["value"]
    assert chosen == f"/explain {seed_papers(2)[1][0].arxiv_id}"

    payload = component(posted, explain["custom_id"], values=[chosen])
    cb = await ask(fake, payload)
    assert cb.json["type"] == 5  # /explain is slow: deferred
    (follow,) = await followups(fake, payload)
    assert "No LLM is configured" in follow.json["content"]


async def test_more_button_pages(stocked: DiscordAdapter, fake: FakeDiscord) -> None:
    cb = await ask(fake, interaction("papers", [{"type": 3, "name": "view", "value": "week"}]))
    data = cb.json["data"]
    more = next(c for row in data["components"] for c in row["components"] if c["label"] == "More")
    assert more["custom_id"] == "pb:a:0:/papers week --page 2"
    page2_paper = seed_papers(11)[10][0]
    assert page2_paper.arxiv_id not in text_of(data)

    message = list(fake.messages.values())[-1]  # the ephemeral answer the button sits on
    again = await ask(fake, component(message, more["custom_id"]))
    assert page2_paper.arxiv_id in text_of(again.json["data"])


async def test_page_option_becomes_the_page_flag(stocked: DiscordAdapter, fake: FakeDiscord) -> None:
    cb = await ask(fake, interaction("papers", [{"type": 3, "name": "view", "value": "week"},
                                                {"type": 4, "name": "page", "value": 2}]))
    assert seed_papers(11)[10][0].arxiv_id in text_of(cb.json["data"])


async def test_autocomplete_suggests_stored_papers(stocked: DiscordAdapter, fake: FakeDiscord) -> None:
    payload = interaction("explain", [{"type": 3, "name": "args", "value": "2601.167", "focused": True}], kind=4)
    cb = await ask(fake, payload)

    assert cb.json["type"] == 8
    choices = cb.json["data"]["choices"]
    assert {"name": "2601.16725 · LongCat-Flash-Thinking-2601 Technical Report", "value": "2601.16725"} in choices
    by_title = await ask(fake, interaction("explain", [{"type": 3, "name": "args", "value": "LongCat",
                                                        "focused": True}], kind=4))
    assert by_title.json["data"]["choices"][0]["value"] == "2601.16725"
    # No paper suggestions where the subcommand takes none (/papers search takes words).
    none = await ask(fake, interaction("papers", [{"type": 3, "name": "view", "value": "search"},
                                                  {"type": 3, "name": "args", "value": "2601", "focused": True}],
                                       kind=4))
    assert none.json["data"]["choices"] == []


@pytest.fixture
async def editors_adapter(tmp_path: Path, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
                          ) -> AsyncIterator[tuple[DiscordAdapter, Service]]:
    """A bot whose team lets only the role "Leads" (or Manage Server) change criteria."""
    config = discord_config(tmp_path, fake, monkeypatch, editors=["discord-role:Leads"])
    service = Service(make_deps(config))
    a = DiscordAdapter(config.discord, service, guild_ready_timeout=0.05)
    await a.start()
    yield a, service
    await a.stop()
    service.deps.store.close()


@pytest.mark.parametrize(("roles", "permissions", "allowed"), [
    ((), "0", False),
    ((LEADS_ROLE,), "0", True),  # the role's NAME comes from the guild the gateway sent
    ((), MANAGE_GUILD, True),
])
async def test_criteria_changes_follow_roles_and_manage_server(
        editors_adapter: tuple[DiscordAdapter, Service], fake: FakeDiscord, roles: tuple[str, ...],
        permissions: str, allowed: bool) -> None:
    _, service = editors_adapter
    cb = await ask(fake, interaction("criteria", [{"type": 3, "name": "action", "value": "add"},
                                                  {"type": 3, "name": "args", "value": "keyword Hypernetworks"}],
                                     roles=roles, permissions=permissions))
    current = await service.deps.store.call(criteria_store.current_criteria, TEAM)  # None: never changed
    assert (current is not None and "Hypernetworks" in current.criteria.keywords) is allowed
    assert ("Only the editors" in text_of(cb.json["data"])) is not allowed


async def test_request_maps_threads_to_their_channel(adapter: DiscordAdapter) -> None:
    payload = interaction("papers", roles=(LEADS_ROLE,), permissions=MANAGE_GUILD)
    thread = example("Example Thread Channel")  # the docs' thread object, inside our channel
    thread.update(id="1300000000000000999", parent_id=CHANNEL_ID, guild_id=GUILD_ID)
    payload["channel"] = thread
    req = request_for(discord.Interaction(data=payload, state=adapter.client._connection), "papers", text="today")
    assert req.platform == "discord" and req.channel == CHANNEL_ID and req.user == USER_ID
    assert req.roles == ("Leads",) and req.is_admin is True


def _one_card_message() -> Any:
    from bot.core.digest_view import digest_thread

    return digest_thread(make_digest(seed_papers(1))).replies[0]


@pytest.mark.parametrize("name", ["papers", "criteria", "explain", "help"])
async def test_every_command_answers(stocked: DiscordAdapter, fake: FakeDiscord, name: str) -> None:
    options = [{"type": 3, "name": "args", "value": "2601.16725"}] if name == "explain" else []
    payload = interaction(name, options)
    cb = await ask(fake, payload)
    body = cb.json["data"] if cb.json["type"] == 4 else (await followups(fake, payload))[0].json
    assert text_of(body).strip()
    assert body["allowed_mentions"] == {"parse": []} and body["flags"] & 64
    assert len(body.get("content") or "") <= 2000 and len(body.get("embeds") or []) <= 10


async def test_form_after_a_defer_becomes_a_button_that_opens_it(adapter: DiscordAdapter, fake: FakeDiscord) -> None:
    adapter.runner.fast_reply_s = 0  # too slow to answer with a modal directly
    payload = interaction("criteria", [{"type": 3, "name": "action", "value": "edit"}])
    assert (await ask(fake, payload)).json["type"] == 5
    (follow,) = await followups(fake, payload)
    (button,) = [c for row in follow.json["components"] for c in row["components"]]
    assert button["label"] == "Open: Edit research topics" and button["custom_id"] == "pb:a:0:/criteria edit"

    adapter.runner.fast_reply_s = 1.0
    message = list(fake.messages.values())[-1]
    cb = await ask(fake, component(message, button["custom_id"]))
    assert cb.json["type"] == 9  # the click can open the modal


async def test_expired_stored_command(adapter: DiscordAdapter, fake: FakeDiscord) -> None:
    # A button whose long command was kept under a hash in the kv store, and the row is gone.
    gone = "pb:a:0:#0123456789abcdef0123"
    pid = (await adapter.chat.post(CHANNEL_ID, _one_card_message()))[0]
    message = {**fake.messages[pid], "components": [{"type": 1, "components": [
        {"type": 2, "style": 2, "label": "More", "custom_id": gone}]}]}
    cb = await ask(fake, component(message, gone))
    assert cb.json["type"] == 4 and "expired" in cb.json["data"]["content"]


async def test_share_option_on_a_command_that_takes_free_words(stocked: DiscordAdapter, fake: FakeDiscord) -> None:
    # /papers search takes the user's own words: share:True must share, not search for "… share".
    cb = await ask(fake, interaction("papers", [{"type": 3, "name": "view", "value": "search"},
                                                {"type": 3, "name": "args", "value": "LongCat"},
                                                {"type": 5, "name": "share", "value": True}]))
    assert cb.json["type"] == 4 and not cb.json["data"].get("flags", 0) & 64
    assert "2601.16725" in text_of(cb.json["data"])


async def test_shared_deferred_answer_is_public(stocked: DiscordAdapter, fake: FakeDiscord) -> None:
    stocked.runner.fast_reply_s = 0  # deferred: Discord gives the first follow-up the visibility of the defer
    payload = interaction("papers", [{"type": 3, "name": "view", "value": "search"},
                                     {"type": 3, "name": "args", "value": "LongCat"},
                                     {"type": 5, "name": "share", "value": True}])
    cb = await ask(fake, payload)
    assert cb.json == {"type": 5}  # "thinking", in public
    (follow,) = await followups(fake, payload)
    assert not follow.json.get("flags", 0) & 64 and "2601.16725" in text_of(follow.json)


async def test_form_text_ending_in_share_is_answered_privately(adapter: DiscordAdapter, fake: FakeDiscord) -> None:
    modal = (await ask(fake, interaction("criteria", [{"type": 3, "name": "action", "value": "edit"}]))).json["data"]
    label = modal["components"][0]
    adapter.runner.fast_reply_s = 0  # deferred: the defer must already be as private as the answer will be
    submit = interaction("", kind=5)
    submit["data"] = {"custom_id": modal["custom_id"], "components": [
        {"type": 18, "id": label.get("id", 1), "component": {"type": 4, "id": 2, "value": "Papers we share",
                                                             "custom_id": label["component"]["custom_id"]}}]}
    cb = await ask(fake, submit)
    assert cb.json == {"type": 5, "data": {"flags": 64}}  # the topics are the user's words, not a request to share
    (follow,) = await followups(fake, submit)
    assert follow.json["flags"] & 64
