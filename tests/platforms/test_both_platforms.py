"""One team on Slack AND Discord: a daily run posts the same papers in the same order on both, exactly
once each, and votes from both platforms add up in /papers top (real slack_sdk and discord.py clients
against the local fakes)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import discord
import pytest
from discord.gateway import DiscordWebSocket

from bot.app import open_platforms
from bot.core.digest_view import digest_thread
from bot.core.models import Digest, ReactionEvent, Request
from bot.core.render_text import render
from handlers.publish import publish
from handlers.service import BotService
from storage import digests, posts
from storage import papers as paper_store
from tests.fakes.discord_api import CHANNEL_ID as DISCORD_CHANNEL
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.slack_api import FakeSlack, slack_api  # noqa: F401 (fixture)
from tests.support import make_config, make_deps, seed_digest

FIX = Path(__file__).resolve().parents[1] / "fixtures"
SLACK_CHANNEL = "C111"


def _digest() -> Digest:
    return seed_digest(6, digest_size=3)


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    server = await FakeDiscord().start()
    yield server
    await server.stop()


@pytest.fixture
def both(tmp_path: Path, slack_api: FakeSlack, fake_discord: FakeDiscord, monkeypatch):  # noqa: F811
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", DiscordWebSocket.DEFAULT_GATEWAY)
    env = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "s", "DISCORD_TOKEN": "discord-test"}
    return make_config(tmp_path, env=env, slack={"api_url": slack_api.base_url, "mode": "http"},
                       discord={"api_url": fake_discord.api_url, "guilds": []},
                       team={"slack_channels": [SLACK_CHANNEL], "discord_channels": [DISCORD_CHANNEL],
                             "console": False})


async def test_same_papers_same_order_once_each_and_votes_add_up(both, slack_api: FakeSlack,  # noqa: F811
                                                                 fake_discord: FakeDiscord) -> None:
    config = both
    deps = make_deps(config)
    d = _digest()
    await deps.store.call(paper_store.upsert_papers, [pk.paper for pk in d.picks])
    await deps.store.call(digests.save_digest, d)
    thread = digest_thread(d)
    try:
        async with open_platforms(config) as platforms:
            assert set(platforms) == {"slack", "discord"}
            deps.platforms = platforms
            first = await publish(thread, team=config.teams[0], deps=deps)
            again = await publish(thread, team=config.teams[0], deps=deps)
        assert first.targets == 2 and first.posted == 2 * (1 + len(d.picks))
        assert again.posted == 0
        rows = await deps.store.call(posts.posts_for, team="foundations", kind="daily", period="2026-01-27")
        order = {p: [r["key"] for r in rows if r["platform"] == p] for p in ("slack", "discord")}
        assert order["slack"] == order["discord"] == ["parent", *(pk.paper.arxiv_id for pk in d.picks)]
        # Each platform really received one message per post (plus nothing twice).
        slack_posts = slack_api.calls_to("chat.postMessage")
        assert len(slack_posts) == 1 + len(d.picks)
        discord_posts = [m for m in fake_discord.messages.values() if not m.get("webhook")]
        assert len(discord_posts) == 1 + len(d.picks)

        # A Slack user and a Discord user both upvote rank 1 (its thread reply on each platform).
        ids = {r["platform"]: json.loads(r["message_ids"])[0] for r in rows if r["key"] == d.picks[0].paper.arxiv_id}
        svc = BotService(deps)
        assert (await svc.on_reaction(ReactionEvent("slack", SLACK_CHANNEL, ids["slack"], "U1", "+1", True))) \
            .startswith("voted")
        assert (await svc.on_reaction(ReactionEvent("discord", DISCORD_CHANNEL, ids["discord"], "42", "👍", True))) \
            .startswith("voted")
        top = await svc.run_command(Request(platform="slack", team="", channel=SLACK_CHANNEL, user="U1",
                                            text="top all", command="papers"))
        text = render(top)
        assert d.picks[0].paper.title[:30] in text and "+2 votes" in text
    finally:
        deps.store.close()
