"""Fuzzed command lines (hypothesis): every line a user can type gets a reply — never a traceback, never the
"something went wrong" of an unexpected error — and no reply, as Slack or Discord renders it, can notify a
whole channel (@channel, @here, @everyone, <!here>, <!channel>, role mentions).
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.message import Message
from bot.core.models import Request
from bot.platforms.discord.render import render as discord_render
from bot.platforms.slack.render import render_message
from handlers.service import BotService
from storage import votes
from tests.handlers.seeding import TEAM, seed_store
from tests.support import make_config, make_deps

WORDS = ("today", "week", "month", "day", "top", "mine", "like", "search", "show", "upvote", "cost", "help", "all",
         "add", "remove", "set", "edit", "history", "revert", "preview", "topic", "keyword", "exclude", "author",
         "category", "relevance", "novelty", "size", "share", "--share", "--page", "2026-01-27", "2601.18089",
         "https://arxiv.org/abs/2601.18401v2", "arXiv:2602.04163", "9999.99999", "0", "-1", "99999999999999999999",
         "1e9", "cs.LG", "MoE")
MENTIONS = ("@channel", "@here", "@everyone", "<!channel>", "<!here>", "<!everyone>", "<!subteam^S123>",
            "<@U12345678>", "<@&876543210987654321>", "@Everyone", "@here:", "(@channel)")
# What must never reach a rendered reply: a broadcast Slack or Discord would act on.
SLACK_BROADCAST = re.compile(r"<!(?:here|channel|everyone|subteam)|@(?:here|channel|everyone)\b", re.IGNORECASE)
DISCORD_BROADCAST = re.compile(r"@(?:here|everyone)\b|<@&\d+>", re.IGNORECASE)

token = st.one_of(st.sampled_from(WORDS), st.sampled_from(MENTIONS),
                  st.text(min_size=1, max_size=12),  # any unicode, markup characters included
                  st.integers(-10**25, 10**25).map(str), st.sampled_from(("*bold*", "_x_", "`c`", "<b>", "&amp;",
                                                                          "'", '"', "\\", "%s", "{0}", "\n", "\u202e")))
lines = st.tuples(st.sampled_from(("papers", "criteria", "explain", "help", "paper", "")),
                  st.lists(token, max_size=8)).map(lambda t: (t[0], " ".join(t[1])))


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotService]:
    """The bot on a store holding the two seed digests and a few votes (no LLM, no arXiv: friendly refusals)."""
    deps = make_deps(make_config(Path(tmp_path_factory.mktemp("fuzz"))))
    seed_store(deps.store)
    for user in ("U1", "U2"):
        deps.store.sync(votes.set_vote, team=TEAM, arxiv_id="2601.18089", platform="slack", user=user, value=1)
    yield BotService(deps)
    deps.store.close()


def rendered(msg: Message) -> tuple[str, str]:
    """(Slack JSON, Discord JSON) of a reply as the adapters would send it."""
    slack = json.dumps([{"text": m.text, "blocks": m.blocks} for m in render_message(msg)], ensure_ascii=False)
    parts = discord_render(msg)
    discord = json.dumps([{"content": p.content, "embeds": [e.to_dict() for e in p.embeds]} for p in parts],
                         ensure_ascii=False, default=str)
    return slack, discord


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(line=lines, platform=st.sampled_from(("slack", "discord", "console")))
def test_every_command_line_gets_a_safe_reply(service: BotService, line: tuple[str, str], platform: str) -> None:
    command, text = line
    msg = asyncio.run(service.run_command(Request(platform, TEAM, "C1", "U1", text, command)))
    assert isinstance(msg, Message) and msg.fallback.strip(), (command, text)
    plain = msg.fallback.lower()
    assert "traceback" not in plain and "went wrong" not in plain, (command, text, msg.fallback[:300])
    slack, discord = rendered(msg)
    assert not SLACK_BROADCAST.search(slack), (command, text, SLACK_BROADCAST.search(slack))
    assert not DISCORD_BROADCAST.search(discord), (command, text, DISCORD_BROADCAST.search(discord))
