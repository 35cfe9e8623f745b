"""Paper cards for pasted links and questions in a paper's thread, through BotService (what adapters call).

Real OpenAI client, scorer, asker and arXiv source against the local fakes; a real SQLite store.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.message import PaperCard
from bot.core.models import Mention
from bot.core.render_text import render
from handlers.service import BotService
from storage import posts
from tests.fakes.arxiv_server import ArxivServer
from tests.fakes.openai_server import FakeOpenAI, user_prompt
from tests.handlers.paper_chat import NEW_PAPER, llm_deps, schema_of
from tests.handlers.seeding import TEAM, run, seed_store
from tests.support import make_config

LINK = f"have you seen <https://arxiv.org/abs/{NEW_PAPER.arxiv_id}v1>?"


@pytest.fixture
async def env(tmp_path: Path, openai_server: FakeOpenAI, arxiv_server: ArxivServer):
    deps, chat = llm_deps(make_config(tmp_path), openai_server, arxiv_server)
    seed_store(deps.store)
    yield BotService(deps)
    deps.store.close()
    await chat.aclose()


def _calls(service: BotService) -> list[tuple[str, str]]:
    return service.deps.store.sync(lambda db: [(r["purpose"], r["ref"]) for r in db.query(
        "SELECT purpose, ref FROM llm_calls ORDER BY id")])


def _card(msg) -> PaperCard:
    return next(b for b in msg.blocks if isinstance(b, PaperCard))


async def test_a_new_paper_is_fetched_scored_once_and_carries_the_paper_buttons(env: BotService,
                                                                                openai_server: FakeOpenAI):
    [msg] = await env.link_cards("console", "console", LINK)
    card = _card(msg)
    assert (card.title, card.relevance, card.novelty) == (NEW_PAPER.title, 9, 8)
    assert card.comment.startswith("Model Architecture: latent routing") and "Ada Lovelace" in card.authors
    assert [a.command for a in card.actions] == [f"/explain {NEW_PAPER.arxiv_id}", f"/papers upvote {NEW_PAPER.arxiv_id}",
                                                 f"/papers like {NEW_PAPER.arxiv_id}"]
    assert msg.papers == (NEW_PAPER.arxiv_id,) and not msg.ephemeral
    assert "Scored just now by gpt-4o-mini" in render(msg)
    assert [schema_of(r) for r in openai_server.requests] == ["paper_scores"]
    assert _calls(env) == [("score", NEW_PAPER.arxiv_id)]
    again = await env.link_cards("console", "console", LINK)
    assert "Scored earlier by gpt-4o-mini" in render(again[0]) and len(openai_server.requests) == 1
    assert "score    1      79" in await run(env.deps, "/papers cost all")


async def test_a_picked_paper_shows_the_teams_pick_without_any_call(env: BotService, openai_server: FakeOpenAI):
    got = await env.link_cards("slack", "C1", "https://arxiv.org/pdf/2601.18089v2 and arXiv:2601.99999")
    assert [m.papers for m in got] == [("2601.18089",), ()]
    assert (_card(got[0]).relevance, render(got[0]).splitlines()[-1]) == (10, "Picked for the team on 2026-01-27.")
    assert openai_server.requests == []


async def test_an_unknown_paper_is_a_friendly_text(env: BotService):
    [msg] = await env.link_cards("console", "console", "https://arxiv.org/abs/2601.99999")
    assert render(msg) == "No arXiv paper 2601.99999." and msg.papers == ()
    assert await env.link_cards("console", "console", "no link here") == []


async def test_without_an_llm_the_local_ranker_scores_and_the_store_keeps_it(
        tmp_path: Path, openai_server: FakeOpenAI, arxiv_server: ArxivServer):
    deps, _ = llm_deps(make_config(tmp_path), openai_server, arxiv_server, llm=False)
    try:
        [msg] = await BotService(deps).link_cards("console", "console", LINK)
        assert "local ranker" in render(msg) and _card(msg).relevance is not None
        stored = deps.store.sync(lambda db: [r["scorer"] for r in db.query("SELECT scorer FROM scores")])
        assert stored == ["local"] and openai_server.requests == []
        answer = await BotService(deps).on_mention(Mention("console", "console", "U1", f"{LINK} What is new?"))
        assert "no LLM" not in render(answer) and "none is configured: set OPENAI_API_KEY" in render(answer)
    finally:
        deps.store.close()


async def test_questions_in_a_cards_thread_are_answered_from_the_sections_with_the_thread_as_context(
        env: BotService, openai_server: FakeOpenAI, arxiv_server: ArxivServer):
    [card] = await env.link_cards("discord", "9", LINK)
    await env.remember_reply("discord", "9", ["500"], card)  # the card as the platform posted it
    first = Mention("discord", "9", "U1", "How much faster is inference?", message_id="501", thread="500")
    answer = await env.on_mention(first)
    text = render(answer)
    assert text.startswith(f"Q: How much faster is inference? — {NEW_PAPER.arxiv_id}")
    assert "Inference latency drops by 30% on H100 GPUs" in text
    assert "Sections: 3 Experiments · Answered by gpt-4o-mini from the full text · cost $" in text
    prompt = user_prompt(openai_server.requests[-1])
    assert "## 3 Experiments\n1 Baseline 45.2\n2 LatentMoE 47.9\nOn H100 GPUs, inference latency drops" in prompt
    assert "Shazeer" not in prompt and "this is the thread's first question" in prompt
    assert arxiv_server.paths().count(f"/html/{NEW_PAPER.arxiv_id}") == 1
    await env.remember_reply("discord", "9", ["502"], answer, mention=first)

    # A reply to the bot's answer continues the same thread: the first question is the context.
    follow = Mention("discord", "9", "U2", "And on which GPUs?", message_id="503", thread="502")
    await env.on_mention(follow)
    assert "Q: How much faster is inference?\nA: Inference latency drops" in user_prompt(openai_server.requests[-1])
    # The first question in a new thread is the same question with the same (empty) context: cached.
    before = len(openai_server.requests)
    again = await env.on_mention(Mention("discord", "9", "U3", f"<https://arxiv.org/abs/{NEW_PAPER.arxiv_id}> "
                                         "how much  FASTER is inference?", message_id="600"))
    assert len(openai_server.requests) == before and "no new cost" in render(again)
    assert [p for p, _ in _calls(env)] == ["score", "ask", "ask"]
    assert "ask      2" in await run(env.deps, "/papers cost all")


async def test_a_digest_thread_with_many_papers_asks_which_and_a_paper_reply_knows(env: BotService):
    where = {"team": TEAM, "kind": "daily", "period": "2026-01-27", "platform": "slack", "channel": "C1"}
    env.deps.store.sync(posts.record_post, **where, key="parent", message_ids=["1.1"], thread_id="1.1",
                        papers=["2601.18089", "2601.16725"])
    env.deps.store.sync(posts.record_post, **where, key="2601.18089", message_ids=["1.2"], thread_id="1.1",
                        papers=["2601.18089"])
    which = render(await env.on_mention(Mention("slack", "C1", "U1", "what is new?", message_id="1.5",
                                                thread="1.1")))
    assert which.startswith("This thread is about 2 papers. Mention me again with the paper's id")
    assert "2601.16725 LongCat-Flash-Thinking-2601 Technical Report" in which
    named = render(await env.on_mention(Mention("slack", "C1", "U1", "2601.16725 what is new?", message_id="1.6",
                                                thread="1.1")))
    assert named.startswith("Q: what is new? — 2601.16725")
    follow = render(await env.on_mention(Mention("slack", "C1", "U2", "and its limits?", message_id="1.7",
                                                 thread="1.1")))
    assert follow.startswith("Q: and its limits? — 2601.16725")  # the paper last asked about in this thread
    reply = render(await env.on_mention(Mention("discord", "C1", "U1", "what is new?", thread="1.2")))
    assert "no paper" not in reply and "Which paper" not in reply  # platform differs: the Slack post is not found
    assert reply.startswith("I can't tell which paper this is about.")


async def test_a_link_alone_is_a_card_and_nothing_at_all_explains_how_to_ask(env: BotService):
    card = await env.on_mention(Mention("slack", "C1", "U1", "<https://arxiv.org/abs/2601.18089>"))
    assert _card(card).arxiv_id == "2601.18089"
    hint = render(await env.on_mention(Mention("slack", "C1", "U1", "")))
    assert hint.startswith("Ask me about a paper in its thread")
    context = await env.on_mention(Mention("slack", "C1", "U1", "what is new?", thread="9.9",
                                           context="LatentMoE (2601.18089): explained …"))
    assert render(context).startswith("Q: what is new? — 2601.18089")


async def test_console_ask_keeps_each_users_thread_per_paper(env: BotService, openai_server: FakeOpenAI):
    first = await run(env.deps, f"/ask {NEW_PAPER.arxiv_id} How much faster is inference?", user="alice",
                      platform="console")
    assert "Inference latency drops by 30%" in first
    await run(env.deps, f"/ask https://arxiv.org/abs/{NEW_PAPER.arxiv_id} And the accuracy?", user="alice",
              platform="console")
    assert "Q: How much faster is inference?" in user_prompt(openai_server.requests[-1])
    await run(env.deps, f"/ask {NEW_PAPER.arxiv_id} And the accuracy?", user="bob", platform="console")
    assert "this is the thread's first question" in user_prompt(openai_server.requests[-1])
    assert (await run(env.deps, "/ask 2601.18089")).startswith("What would you like to know about it?")
    assert (await run(env.deps, "/ask")).startswith("Which paper, and what question?")


async def test_a_long_paper_fits_by_its_relevant_passages(env: BotService, openai_server: FakeOpenAI,
                                                          arxiv_server: ArxivServer):
    # 30 sections of ~4,000 characters each (120k: six times what /explain reads); the answer is in the 27th.
    filler = " ".join(f"Ablation {i} of the training recipe changes the data mixture." for i in range(60))
    sections = [f"<section><h2>{n} Part {n}</h2><p>{filler}</p></section>" for n in range(1, 31)]
    sections[26] = ("<section><h2>27 Energy use</h2><p>Serving the model draws 41 kilowatt-hours per million "
                    "tokens on our cluster.</p></section>")
    arxiv_server.html("2601.18089", "<html><body><article>" + "".join(sections) + "</article></body></html>")
    text = render(await env.on_mention(Mention("slack", "C1", "U1", "2601.18089 How much energy does serving "
                                                                     "draw per million tokens?")))
    assert text.startswith("Q: How much energy does serving draw per million tokens? — 2601.18089")
    prompt = user_prompt(openai_server.requests[-1])
    assert "## 27 Energy use\nServing the model draws 41 kilowatt-hours per million tokens" in prompt
    assert len(prompt) < 12_000  # the passages fit the budget, not the whole paper
