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
