"""/papers stats (and the live arXiv search) as a Slack user gets them: signed slash commands through the real
bolt AsyncApp, answers read off the fake Web API's response_url."""

from __future__ import annotations

import json
from dataclasses import replace

from bot.core.digest_view import digest_thread
from bot.core.models import Pick
from handlers.publish import publish
from storage import digests, votes
from storage import papers as paper_store
from tests.fakes.arxiv_server import Reply
from tests.handlers.test_arxiv_search import source_for
from tests.platforms.slack.conftest import TEAM, SlackEnv, assert_valid_post, command_body, make_digest

MALLORY = "<!channel> Mallory @everyone"  # an author name that must never notify anyone


async def test_stats_answer_as_block_kit_fields_with_author_names_escaped(env: SlackEnv):
    digest = make_digest(12)
    picks = [Pick(replace(p.paper, authors=(*p.paper.authors, MALLORY)) if i < 2 else p.paper, p.score)
             for i, p in enumerate(digest.picks)]
    digest = replace(digest, picks=tuple(picks))
    await env.deps.store.call(paper_store.upsert_papers, [p.paper for p in digest.picks])
    await env.deps.store.call(digests.save_digest, digest)
    done = await publish(digest_thread(digest), team=env.config.teams[0], deps=env.deps)
    assert done.posted == 13
    await env.deps.store.call(votes.set_vote, team=TEAM, arxiv_id=picks[0].paper.arxiv_id, platform="slack",
                              user="W111", value=1)

    await env.dispatch(command_body("/papers", "stats", response_url=env.api.response_url("st")))
    [answer] = env.api.responses("st")
    assert_valid_post(answer)
    assert answer["response_type"] == "ephemeral"
    assert answer["blocks"][0]["text"]["text"] == "foundations · stats, last 7 days"
    fields = [f["text"] for b in answer["blocks"] if b["type"] == "section" for f in b.get("fields", [])]
    assert {"*Listed*\n120 papers", "*Scored*\n62", "*Picked*\n12", "*Posted*\n12", "*Voters*\n1"} <= set(fields)
    shown = json.dumps(answer["blocks"], ensure_ascii=False)
    assert "• *cs.LG* — 12 picks" in shown
    assert "*&lt;!channel&gt; Mallory @\u2060everyone* — 2 picks" in shown
    assert "<!channel>" not in shown and "@everyone" not in shown


async def test_live_arxiv_search_answers_with_the_found_papers_and_a_more_button(env: SlackEnv, arxiv_server):
    env.deps.source = source_for(arxiv_server)
    await env.dispatch(command_body("/papers", "search --arxiv testing", response_url=env.api.response_url("ax")))
    [answer] = env.api.responses("ax")
    assert_valid_post(answer)
    shown = json.dumps(answer["blocks"], ensure_ascii=False)
    assert "<https://arxiv.org/abs/2202.12139|Testing Deep Learning Models: A First Comparative Study" in shown
    assert "arXiv: 214,881 matches for testing" in shown
    [more] = [e for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert more["value"] == "/papers search --arxiv testing --page 2"
    assert await env.deps.store.call(paper_store.get_paper, "1812.11470") is not None  # stored
    [asked] = arxiv_server.requests
    assert asked.param("search_query") == "testing"


async def test_live_arxiv_search_when_arxiv_is_down(env: SlackEnv, arxiv_server):
    arxiv_server.add("/api/query", Reply(503, "down", headers={"Retry-After": "0"}))
    env.deps.source = source_for(arxiv_server, max_retries=0)
    await env.dispatch(command_body("/papers", "search --arxiv testing", response_url=env.api.response_url("ax")))
    [answer] = env.api.responses("ax")
    assert answer["text"].startswith("arXiv is not answering right now (HTTP 503")
