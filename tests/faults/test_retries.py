"""Bounded retries with backoff: transient 5xx and dropped connections on arXiv, Slack and Discord.

Real `paperbot daily` subprocesses against the fakes on 127.0.0.1 (tests/faults/kill_world.py). What
failed the run before: one arXiv 500, three Slack 500s or resets in a row, two dropped Discord
connections. Now each is retried with backoff and every message is posted exactly once, even when the
platform had accepted the message whose answer was lost. What still fails after the retries is said
plainly, names the service, and the next run resumes.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator

import pytest

from tests.fakes.arxiv_server import RSS_TYPE
from tests.fakes.arxiv_server import Reply as ArxivReply
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.discord_api import Reply as DiscordReply
from tests.faults.kill_world import SLACK_CHANNEL, KillWorld

MESSAGES = 5  # the channel post and one reply per pick (4 papers, all picked)
FEED_PATH = "/rss/cs.LG+cs.AI"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KillWorld]:
    with KillWorld(tmp_path_factory.mktemp("retries"), reference=False) as w:
        yield w


def _discord_posts(world: KillWorld) -> list[dict]:
    def posts(f: FakeDiscord) -> list[dict]:
        return [m for m in f.messages.values() if not m.get("webhook")]
    return world.discord.call(posts)


def _recorded(world: KillWorld) -> dict[str, list[str]]:
    with sqlite3.connect(world.db) as conn:
        rows = conn.execute("SELECT platform, message_ids FROM posts WHERE kind = 'daily'").fetchall()
    out: dict[str, list[str]] = {}
    for platform, ids in rows:
        out.setdefault(platform, []).extend(json.loads(ids))
    return out


def test_transient_failures_everywhere_are_retried_and_every_message_is_posted_once(world: KillWorld) -> None:
    with world.trial("daily"):
        world.arxiv.add(FEED_PATH, ArxivReply(500, "Internal Server Error"), ArxivReply(200, world.feed,
                                                                                    content_type=RSS_TYPE))
        slack = world.slack
        slack.fail("chat.postMessage", status=500, after=1, times=3)  # the first reply: three 500s in a row
        slack.fail("chat.postMessage", reset=True, after=5, times=3)  # the second: three connection resets
        slack.fail("chat.postMessage", reset=True, accept=True, after=9, times=1)  # the third: posted, answer lost
        world.discord.call(lambda f: f.fail("POST", r"^/channels/\d+/messages$", DiscordReply.disconnect(),
                                            DiscordReply.disconnect(accepted=True), after=1))
        run = world.run("daily")
        assert run.returncode == 0, run.stderr[-3000:]
        assert "arXiv: Transient: HTTP 500" in run.stderr and "retry 1 of 3" in run.stderr
        assert "Slack: HTTP 500 internal_error (chat.postMessage" in run.stderr and "retry 3 of 3" in run.stderr
        assert "Discord: ServerDisconnectedError" in run.stderr or "Discord: ClientOSError" in run.stderr

        texts = [m["text"] for m in slack.channel_messages(SLACK_CHANNEL)]
        assert len(texts) == MESSAGES == len(set(texts))  # the lost answer did not make it post twice
        assert len(slack.calls_to("chat.postMessage", ok_only=False)) == 1 + 4 + 4 + 1 + 1
        discord = _discord_posts(world)
        assert len(discord) == MESSAGES == len({(m["content"], json.dumps(m["embeds"])) for m in discord})
        recorded = _recorded(world)
        assert sorted(recorded["slack"]) == sorted(m["ts"] for m in slack.channel_messages(SLACK_CHANNEL))
        assert sorted(recorded["discord"]) == sorted(m["id"] for m in discord)
    world.arxiv.rss("cs.LG+cs.AI", world.feed)


def test_arxiv_failing_for_good_says_so_posts_nothing_and_the_next_run_posts(world: KillWorld) -> None:
    with world.trial("daily"):
        world.arxiv.add(FEED_PATH, ArxivReply(500, "Internal Server Error"))
        run = world.run("daily")
        assert run.returncode == 1, run.stderr[-3000:]
        assert f"paperbot daily (foundations): arXiv: HTTP 500 from {world.arxiv.url}{FEED_PATH} (after 4 " \
               "attempts)" in run.stderr
        assert slack_count(world) == 0 and _discord_posts(world) == []

        world.arxiv.rss("cs.LG+cs.AI", world.feed)
        again = world.run("daily")
        assert again.returncode == 0, again.stderr[-3000:]
        assert slack_count(world) == MESSAGES and len(_discord_posts(world)) == MESSAGES


def slack_count(world: KillWorld) -> int:
    return len(world.slack.channel_messages(SLACK_CHANNEL))
