"""Discord without privileged intents: the "Paper card" message command and @paperbot mentions, through the
real discord.py client against the fake gateway/REST, with the real LLM ports and arXiv source on their fakes.

Payloads: the message-command interaction is the Discord docs' recorded "Example Interaction" of a message
command (data.type 3, data.resolved.messages, target_id), re-targeted at our application and message;
MESSAGE_CREATE is the docs' "Example Message" object with our channel, words and mentions (a reply carries
the documented message_reference and referenced_message).
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.config import Config
from bot.core.digest_view import digest_thread
from bot.core.views import explanation_message
from bot.platforms.discord.adapter import DiscordAdapter
from bot.platforms.discord.commands import PAPER_CARD
from bot.platforms.discord.paper_chat import NO_LINK
from handlers.publish import publish
from handlers.service import BotService
from storage import papers as paper_store
from tests.fakes.arxiv_server import ArxivServer
from tests.fakes.discord_api import APP_ID, BOT_ID, CHANNEL_ID, GUILD_ID, FakeDiscord, example
from tests.fakes.openai_server import FakeOpenAI, user_prompt
from tests.handlers.paper_chat import NEW_PAPER, llm_deps
from tests.platforms.discord.conftest import USER_ID, make_digest, seed_papers, until
from tests.platforms.discord.test_interactions import ask, followups, text_of

URL = f"https://arxiv.org/abs/{NEW_PAPER.arxiv_id}"
_ids = itertools.count(1_500_000_000_000_000_000)


@pytest.fixture
async def bot(config: Config, openai_server: FakeOpenAI, arxiv_server: ArxivServer) -> AsyncIterator[DiscordAdapter]:
    deps, chat = llm_deps(config, openai_server, arxiv_server)
    adapter = DiscordAdapter(config.discord, BotService(deps), guild_ready_timeout=0.05)
    deps.platforms = {"discord": adapter}
    await adapter.start()
    yield adapter
    await adapter.stop()
    deps.store.close()
    await chat.aclose()


def message_command(content: str, *, embeds: list[dict] | None = None) -> dict[str, Any]:
    """The docs' message-command interaction on a message holding `content`, aimed at "Paper card"."""
    data = example("Example Interaction", source="application-commands", index=2)
    target = next(iter(data["data"]["resolved"]["messages"].values()))
    target.update(content=content, embeds=embeds or [], channel_id=CHANNEL_ID)
    data.update(id=str(next(_ids)), token=f"tok-{next(_ids)}", application_id=APP_ID, guild_id=GUILD_ID,
                channel_id=CHANNEL_ID, attachment_size_limit=10_485_760, app_permissions="309237763136",
                channel={"id": CHANNEL_ID, "type": 0, "guild_id": GUILD_ID, "name": "general"})
    data["member"].update(flags=0, roles=[])
    data["data"].update(name=PAPER_CARD)
    return data


def user_message(text: str, *, channel: str = CHANNEL_ID, reply_to: dict[str, Any] | None = None,
                 mention: bool = True) -> dict[str, Any]:
    """MESSAGE_CREATE data: the docs' example message by member Mason, mentioning the bot (or not)."""
    msg = example("Example Message")
    msg.update(id=str(next(_ids)), channel_id=channel, guild_id=GUILD_ID, reactions=[],
               content=f"<@{BOT_ID}> {text}" if mention else text, mentions=[], mention_roles=[])
    msg["author"]["id"] = USER_ID
    if mention:
        msg["mentions"] = [example("Example Interaction", source="application-commands", index=1)
                           ["data"]["resolved"]["users"][BOT_ID]]
    if reply_to is not None:
        msg.update(type=19, referenced_message=reply_to,
                   message_reference={"type": 0, "message_id": reply_to["id"], "channel_id": channel,
                                      "guild_id": GUILD_ID})
    return msg


async def card_message(fake: FakeDiscord, payload: dict[str, Any]) -> dict[str, Any]:
    """The public message the bot answered a message command with (directly, or after a defer)."""
    cb = await ask(fake, payload)
    if cb.json["type"] == 4:
        return next(m for m in fake.messages.values() if m.get("interaction_token") is None
                    and m["embeds"] == cb.json["data"].get("embeds"))
    (followup,) = await followups(fake, payload)
    return next(m for m in fake.messages.values() if m.get("interaction_token") == payload["token"])


async def replies_to(fake: FakeDiscord, message: dict[str, Any], n: int = 1) -> list[dict[str, Any]]:
    """The bot's messages that reply to `message`."""
    def got() -> list[dict[str, Any]]:
        return [m for m in fake.messages.values()
                if (m.get("message_reference") or {}).get("message_id") == message["id"]]
    return await until(lambda: len(r := got()) >= n and r, what=f"{n} repl(ies) to message {message['id']}")


async def test_paper_card_on_a_message_with_a_link_posts_the_scored_card_for_everyone(
        bot: DiscordAdapter, fake: FakeDiscord, openai_server: FakeOpenAI) -> None:
    payload = message_command(f"this looks relevant: {URL}v2")
    card = await card_message(fake, payload)
    shown = text_of(card)
    assert NEW_PAPER.title in shown and "Ada Lovelace" in shown and "Model Architecture: latent routing" in shown
    assert card["allowed_mentions_sent"] == {"parse": []} and not card["flags"] & 64
    labels = [c["label"] for row in card["components"] for c in row["components"]]
    assert labels == ["Explain", "Upvote", "More like this"]

    # A reply to the card that mentions the bot asks about its paper: answered as a reply to the question.
    question = user_message("How much faster is inference?", reply_to=card)
    await fake.dispatch("MESSAGE_CREATE", question)
    (answer,) = await replies_to(fake, question)
    assert "Inference latency drops by 30% on H100 GPUs" in text_of(answer)
    assert answer["allowed_mentions_sent"] == {"parse": []}  # nobody pinged, not even the asker
    assert "3 Experiments" in user_prompt(openai_server.requests[-1])

    follow = user_message("And the accuracy?", reply_to=answer)  # a reply to the answer: same thread
    await fake.dispatch("MESSAGE_CREATE", follow)
    await replies_to(fake, follow)
    assert "Q: How much faster is inference?" in user_prompt(openai_server.requests[-1])


async def test_paper_card_finds_the_link_of_an_embed_and_says_so_when_there_is_none(
        bot: DiscordAdapter, fake: FakeDiscord) -> None:
    embed_only = message_command("", embeds=[{"type": "rich", "title": NEW_PAPER.title, "url": URL}])
    assert NEW_PAPER.title in text_of(await card_message(fake, embed_only))
    none = await ask(fake, message_command("no paper in here"))
    assert none.json["type"] == 4 and none.json["data"]["flags"] & 64
    assert none.json["data"]["content"] == NO_LINK


async def test_a_mention_with_a_link_is_answered_with_its_card_and_other_messages_are_ignored(
        bot: DiscordAdapter, fake: FakeDiscord) -> None:
    quiet = user_message(f"{URL} (no mention)", mention=False)
    await fake.dispatch("MESSAGE_CREATE", quiet)
    linked = user_message(f"<{URL}>")
    await fake.dispatch("MESSAGE_CREATE", linked)
    (card,) = await replies_to(fake, linked)
    assert NEW_PAPER.title in text_of(card)
    assert not [m for m in fake.messages.values()
                if (m.get("message_reference") or {}).get("message_id") == quiet["id"]]


async def test_in_a_digest_thread_a_mention_asks_which_paper_and_a_reply_to_a_paper_knows(
        bot: DiscordAdapter, fake: FakeDiscord) -> None:
    digest = make_digest(seed_papers(3))
    service = bot.service
    await service.deps.store.call(paper_store.upsert_papers, [p.paper for p in digest.picks])
    await publish(digest_thread(digest), team=service.deps.config.teams[0], deps=service.deps)
    (thread_id,) = fake.threads
    await until(lambda: bot.client.get_channel(int(thread_id)) is not None, what="the thread in the cache")
    which = user_message("what is new?", channel=thread_id)
    await fake.dispatch("MESSAGE_CREATE", which)
    (hint,) = await replies_to(fake, which)
    assert hint["content"].startswith("This thread is about 3 papers.")
    paper_post = next(m for m in fake.channel_posts(thread_id) if digest.picks[1].paper.title in text_of(m))
    asked = user_message("what is new?", channel=thread_id, reply_to=paper_post)
    await fake.dispatch("MESSAGE_CREATE", asked)
    (answer,) = await replies_to(fake, asked)
    paper = digest.picks[1].paper
    assert f"what is new? — [{paper.arxiv_id.replace('.', chr(92) + '.')}]({paper.abs_url})" in answer["content"]


async def test_a_reply_to_an_explain_answer_the_bot_never_recorded_reads_its_paper_from_it(
        bot: DiscordAdapter, fake: FakeDiscord) -> None:
    # A shared /explain answer: posted through the interaction, so nothing maps its id to the paper.
    explained = explanation_message(NEW_PAPER, "TL;DR: It routes tokens in a latent space.", question="",
                                    note="Explained by gpt-4o-mini")
    (posted_id,) = await bot.chat.post(CHANNEL_ID, explained)
    asked = user_message("Does it help latency?", reply_to=fake.messages[posted_id])
    await fake.dispatch("MESSAGE_CREATE", asked)
    (answer,) = await replies_to(fake, asked)
    assert "Does it help latency? — [2601\\.20001]" in answer["content"]
