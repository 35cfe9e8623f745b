"""The Chat port on Discord, through the real discord.py client against the fake REST API."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

import pytest

from bot.config import Config
from bot.core.digest_view import digest_thread
from bot.core.message import Image, Message, Paragraph, Thread
from bot.core.votes import UNICODE_NUMBERS
from bot.platforms.discord.chat import open_discord_chat
from bot.platforms.registry import ChatPlatform
from bot.ports import Chat, PostMark
from handlers.publish import publish
from storage import posts
from tests.fakes.discord_api import CHANNEL_ID, FakeDiscord, Reply
from tests.platforms.discord.conftest import TEAM, Service, make_digest, seed_papers

MESSAGES = r"^/channels/\d+/messages$"


def assert_within_limits(body: dict[str, Any]) -> None:
    """A message body Discord accepts: content, embed count, per-embed and total embed limits."""
    assert len(body.get("content") or "") <= 2000
    embeds = body.get("embeds") or []
    assert len(embeds) <= 10
    total = 0
    for e in embeds:
        assert len(e.get("title", "")) <= 256
        assert len(e.get("description", "")) <= 4096
        assert len(e.get("fields", [])) <= 25
        for f in e.get("fields", []):
            assert 1 <= len(f["name"]) <= 256 and 1 <= len(f["value"]) <= 1024
        assert len(e.get("footer", {}).get("text", "")) <= 2048
        total += len(e.get("title", "")) + len(e.get("description", "")) + len(e.get("footer", {}).get("text", ""))
        total += sum(len(f["name"]) + len(f["value"]) for f in e.get("fields", []))
    assert total <= 6000
    assert body["allowed_mentions"]["parse"] == []  # AllowedMentions.none() on every send


@pytest.fixture
async def chat(config: Config) -> Any:
    """The post-only chat of CLI runs (REST login, no gateway)."""
    c, close = await open_discord_chat(config.discord)
    c.retry_s = 0.01  # the real back-off schedule, shortened
    yield c
    await close()


async def test_daily_post_rest_calls(chat: Chat, fake: FakeDiscord, service: Service, config: Config) -> None:
    thread = digest_thread(make_digest(seed_papers(12)))
    service.deps.platforms = {"discord": ChatPlatform("discord", chat, config.discord.vote_emoji)}
    report = await publish(thread, team=config.teams[0], deps=service.deps)

    assert report.posted == 13 and report.skipped == 0
    parent = fake.find("POST", MESSAGES)[0]
    assert parent.path == f"/channels/{CHANNEL_ID}/messages"
    body = parent.json
    assert body["content"].startswith(f"**Daily arXiv papers for {TEAM} · 2026-01-28**\n**Listed** 700")
    assert len(body["embeds"]) == 10  # the top 10 as cards, in one message
    first = body["embeds"][0]
    p0, s0 = seed_papers(1)[0]
    assert first["url"] == p0.abs_url and first["title"].startswith("1\\. ")
    assert s0.comment[:40] in first["description"]  # the one-line why
    assert {f["name"] for f in first["fields"]} >= {"Relevance", "Novelty", "Votes"}
    assert "Vote with 1️⃣" in body["embeds"][-1]["footer"]["text"]
    selects = [c for row in body["components"] for c in row["components"] if c["type"] == 3]
    assert [s["placeholder"] for s in selects] == ["Explain…", "Upvote…", "More like this…"]
    assert selects[0]["options"][0]["value"] == f"/explain {p0.arxiv_id}"
    parent_id = next(iter(fake.messages))

    # The thread is started on the parent message, named from Thread.name, and holds every pick.
    (created,) = fake.find("POST", r"/threads$")
    assert created.path == f"/channels/{CHANNEL_ID}/messages/{parent_id}/threads"
    assert created.json["name"] == thread.name and 1 <= len(thread.name) <= 100
    replies = fake.channel_posts(parent_id)
    assert len(replies) == 12
    assert replies[0]["embeds"][0]["title"].startswith("1\\. ")
    buttons = [c["label"] for row in replies[0]["components"] for c in row["components"]]
    assert buttons == ["Explain", "Upvote", "More like this"]
    for r in fake.find("POST", MESSAGES):
        assert_within_limits(r.json)

    # Votable: numbered reactions on the parent, up/down on each reply (the bot's own are never counted).
    reacted = [r.path for r in fake.find("PUT", "/reactions/")]
    assert sum(f"/messages/{parent_id}/reactions/" in p for p in reacted) == 10
    assert sum(f"/messages/{replies[0]['id']}/reactions/" in p for p in reacted) == 2
    # Every message id went back to publish, which recorded it -> paper.
    for i, reply in enumerate(replies):
        got = await service.deps.store.call(posts.paper_for_message, platform="discord", message_id=reply["id"], slot=0)
        assert got == (TEAM, thread.replies[i].papers[0])
    got = await service.deps.store.call(posts.paper_for_message, platform="discord", message_id=parent_id, slot=3)
    assert got == (TEAM, thread.parent.papers[2])


async def test_forty_paper_digest_splits_into_valid_messages(chat: Chat, fake: FakeDiscord, service: Service,
                                                            config: Config) -> None:
    # digest_size 40: all 40 full cards in the channel post -> several messages, none over a limit.
    thread = digest_thread(make_digest(seed_papers(40), size=40))
    ids = await chat.post(CHANNEL_ID, thread.parent)

    bodies = [r.json for r in fake.find("POST", MESSAGES)]
    assert len(ids) == len(bodies) >= 4
    assert sum(len(b.get("embeds") or []) for b in bodies) == 40  # no card lost
    titles = [e["title"] for b in bodies for e in b["embeds"]]
    assert [t.split("\\.")[0] for t in titles] == [str(i) for i in range(1, 41)]  # in rank order
    for b in bodies:
        assert_within_limits(b)
    assert bodies[0]["content"] and not any(b.get("content") for b in bodies[1:])
    assert "components" in bodies[-1] and not bodies[0].get("components")  # controls under the last part

    # publish records every message id of the split post with the numbered slots.
    service.deps.platforms = {"discord": ChatPlatform("discord", chat, config.discord.vote_emoji)}
    fake.requests.clear()
    await publish(replace(thread, replies=()), team=config.teams[0], deps=service.deps)
    posted = [m["id"] for m in fake.messages.values()][-len(ids):]
    for mid in posted:
        got = await service.deps.store.call(posts.paper_for_message, platform="discord", message_id=mid, slot=1)
        assert got == (TEAM, thread.parent.papers[0])
    numbers = [unquote(r.path.split("/reactions/")[1].removesuffix("/@me")) for r in fake.find("PUT", "/reactions/")]
    assert numbers == list(UNICODE_NUMBERS)  # 1️⃣…🔟 on the first message of the post


async def test_mentions_and_markdown_in_titles_are_inert(chat: Chat, fake: FakeDiscord) -> None:
    p, s = seed_papers(1)[0]
    evil = replace(p, title="@everyone look: <@123456789012345678> <@&876543210987654321> **Bold** [x](http://e.vil)")
    thread = digest_thread(make_digest([(evil, replace(s, comment="@here ping ~~strike~~"))]))
    await chat.post(CHANNEL_ID, thread.parent)
    await chat.reply(CHANNEL_ID, next(iter(fake.messages)), thread.replies[0], thread_name=thread.name)

    for r in fake.find("POST", MESSAGES):
        assert r.json["allowed_mentions"] == {"parse": []}
        text = repr(r.json)
        assert "@everyone" not in text and "@here" not in text  # escape_mentions: "@\u200beveryone"
        assert "<@123456789012345678>" not in text and "<@&876543210987654321>" not in text
        assert "**Bold**" not in text and "[x](http" not in text
    card = fake.find("POST", MESSAGES)[-1].json["embeds"][0]
    assert "\\*\\*Bold\\*\\*" in card["title"]


async def test_weekly_thread_with_chart(chat: Chat, fake: FakeDiscord, service: Service, config: Config) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
    p1, p2 = (p for p, _ in seed_papers(2))
    parent = Message(blocks=(Paragraph.of("Weekly breakthroughs"),), fallback="weekly", ephemeral=False,
                     image=Image("week.png", png, "votes per day"), key="parent")
    replies = tuple(Message.text(f"{i}. {p.title}", ephemeral=False) for i, p in enumerate((p1, p2), start=1))
    replies = tuple(replace(r, papers=(p.arxiv_id,), key=p.arxiv_id) for r, p in zip(replies, (p1, p2), strict=True))
    thread = Thread(parent=parent, replies=replies, name="Breakthroughs 2026-W05", kind="weekly", period="2026-W05")
    service.deps.platforms = {"discord": ChatPlatform("discord", chat, config.discord.vote_emoji)}
    await publish(thread, team=config.teams[0], deps=service.deps)

    first = fake.find("POST", MESSAGES)[0]
    assert first.files == [("week.png", png)]  # multipart upload with payload_json
    assert first.json["attachments"][0]["filename"] == "week.png"
    # Each message ends with the small "ref" line the bot finds it by after a crash (and an enforced nonce).
    assert first.json["content"] == "Weekly breakthroughs\n-# ref foundations/weekly/2026-W05/parent"
    assert first.json["enforce_nonce"] is True and len(first.json["nonce"]) <= 25
    pid = next(iter(fake.messages))
    assert fake.threads[pid]["name"] == "Breakthroughs 2026-W05"
    posted = fake.channel_posts(pid)
    assert [m["content"] for m in posted] == [f"1\\. {p1.title}\n-# ref foundations/weekly/2026-W05/{p1.arxiv_id}",
                                             f"2\\. {p2.title}\n-# ref foundations/weekly/2026-W05/{p2.arxiv_id}"]
    got = await service.deps.store.call(posts.paper_for_message, platform="discord", message_id=posted[1]["id"], slot=0)
    assert got == (TEAM, p2.arxiv_id)


async def test_reply_into_an_existing_thread(chat: Chat, fake: FakeDiscord, config: Config) -> None:
    pid = (await chat.post(CHANNEL_ID, Message.text("parent", ephemeral=False)))[0]
    await chat.reply(CHANNEL_ID, pid, Message.text("one", ephemeral=False), thread_name="t")
    c2, close = await open_discord_chat(config.discord)  # a fresh process: no memory of the thread
    try:
        ids = await c2.reply(CHANNEL_ID, pid, Message.text("two", ephemeral=False), thread_name="t")
    finally:
        await close()
    assert len(fake.find("POST", r"/threads$")) == 2  # the second attempt got 160004 "already created"
    assert [m["content"] for m in fake.channel_posts(pid)] == ["one", "two"] and ids


async def test_rate_limit_is_waited_out(chat: Chat, fake: FakeDiscord) -> None:
    fake.fail("POST", MESSAGES, Reply.rate_limited(0.3))
    ids = await chat.post(CHANNEL_ID, Message.text("hello", ephemeral=False))

    first, second = fake.find("POST", MESSAGES)
    assert second.at - first.at >= 0.3  # Retry-After honoured before retrying
    assert ids == [next(iter(fake.messages))]


async def test_server_error_is_retried(chat: Chat, fake: FakeDiscord) -> None:
    fake.fail("POST", MESSAGES, Reply.server_error(502))
    ids = await chat.post(CHANNEL_ID, Message.text("hello", ephemeral=False))

    assert len(fake.find("POST", MESSAGES)) == 2
    assert len(ids) == 1 and fake.messages[ids[0]]["content"] == "hello"


async def test_a_503_discord_py_does_not_retry_is_retried_with_the_same_nonce(chat: Chat, fake: FakeDiscord) -> None:
    fake.fail("POST", MESSAGES, Reply.server_error(503))
    mark = PostMark(TEAM, "daily", "2026-01-27", "parent")
    ids = await chat.post(CHANNEL_ID, Message.text("hello", ephemeral=False), mark=mark)
    first, second = fake.find("POST", MESSAGES)
    assert first.json["nonce"] == second.json["nonce"] == mark.nonce(CHANNEL_ID, 0)
    assert ids == [m["id"] for m in fake.channel_posts(CHANNEL_ID)]


async def test_find_reads_the_ref_line_back_from_history(chat: Chat, fake: FakeDiscord) -> None:
    mark = PostMark(TEAM, "daily", "2026-01-27", "parent")
    other = PostMark(TEAM, "daily", "2026-01-27", "parentless")
    split = digest_thread(make_digest(seed_papers(40), size=40)).parent
    ids = await chat.post(CHANNEL_ID, split, mark=mark)
    await chat.post(CHANNEL_ID, Message.text("another post", ephemeral=False), mark=other)
    since = datetime.now(UTC) - timedelta(seconds=5)
    assert len(ids) == 4 and await chat.find(CHANNEL_ID, mark, since=since) == ids
    history = fake.find("GET", MESSAGES)[0]
    assert "nonce" not in json.dumps(fake.history(CHANNEL_ID, {}))  # as on Discord: history has no nonces
    assert int(history.query["after"]) > 0
    assert await chat.find(CHANNEL_ID, PostMark(TEAM, "daily", "2026-01-26", "parent")) == []


async def test_missing_permission_is_a_clear_error(chat: Chat, fake: FakeDiscord, service: Service,
                                                   config: Config) -> None:
    fake.fail("POST", r"/threads$", Reply.forbidden(), forever=True)
    service.deps.platforms = {"discord": ChatPlatform("discord", chat, config.discord.vote_emoji)}
    thread = digest_thread(make_digest(seed_papers(2)))

    report = await publish(thread, team=config.teams[0], deps=service.deps)
    assert report.failed_platforms == ["discord"]
    text = str(report.failed[0])
    assert text.startswith("Discord failed") and "Create Public Threads" in text and CHANNEL_ID in text
    assert "403" in text
    assert "permissions=309237763136" in text  # the invite URL with every needed permission
    # The parent was posted and recorded: a re-run after the fix resumes with the thread.
    assert await service.deps.store.call(posts.find_post, team=TEAM, kind="daily", period=thread.period,
                                         platform="discord", channel=CHANNEL_ID, key="parent")


async def test_missing_reaction_permission_does_not_fail_the_post(chat: Chat, fake: FakeDiscord) -> None:
    fake.fail("PUT", "/reactions/", Reply.forbidden(), forever=True)
    thread = digest_thread(make_digest(seed_papers(3)))
    ids = await chat.post(CHANNEL_ID, thread.parent)
    assert len(ids) == 1 and len(fake.find("PUT", "/reactions/")) == 1  # tried once, warned, carried on


async def test_failure_inside_a_split_post_keeps_the_posted_part_and_the_rerun_sends_the_rest(
        chat: Chat, fake: FakeDiscord, service: Service, config: Config) -> None:
    # 40 cards need several messages; the second one is refused. A re-run must not show the first one twice.
    thread = replace(digest_thread(make_digest(seed_papers(40), size=40)), replies=())
    fake.fail("POST", MESSAGES, Reply.bad_request(), after=1)
    service.deps.platforms = {"discord": ChatPlatform("discord", chat, config.discord.vote_emoji)}

    report = await publish(thread, team=config.teams[0], deps=service.deps)
    assert report.failed_platforms == ["discord"] and "400" in report.failed[0].detail
    kept = fake.channel_posts(CHANNEL_ID)
    assert len(kept) == 1 and kept[0]["embeds"][-1]["footer"]["text"].endswith(f"ref {TEAM}/daily/{thread.period}"
                                                                               "/parent · 1/4")

    again = await publish(thread, team=config.teams[0], deps=service.deps)
    assert again.posted == 1 and not again.failed
    titles = [e["title"] for m in fake.channel_posts(CHANNEL_ID) for e in m["embeds"]]
    assert [t.split("\\.")[0] for t in titles] == [str(i) for i in range(1, 41)]  # every card once, in order
    assert len(fake.find("GET", MESSAGES)) == 1  # the re-run looked before it posted


@pytest.mark.parametrize("accepted", [False, True], ids=["lost-before-discord", "lost-after-discord-posted"])
async def test_a_dropped_connection_is_retried_with_the_same_nonce_and_posts_once(
        chat: Chat, fake: FakeDiscord, service: Service, config: Config, accepted: bool) -> None:
    # discord.py does not retry a reset connection on Linux; the chat does, and the enforced nonce makes
    # Discord answer a repeat of a message it already created with that message.
    thread = replace(digest_thread(make_digest(seed_papers(40), size=40)), replies=())
    fake.fail("POST", MESSAGES, Reply.disconnect(accepted=accepted), Reply.disconnect(accepted=accepted), after=1)
    service.deps.platforms = {"discord": ChatPlatform("discord", chat, config.discord.vote_emoji)}

    report = await publish(thread, team=config.teams[0], deps=service.deps)
    assert report.posted == 1 and not report.failed
    sent = fake.find("POST", MESSAGES)
    assert len(sent) == 4 + 2 and sent[1].json["nonce"] == sent[2].json["nonce"] == sent[3].json["nonce"]
    titles = [e["title"] for m in fake.channel_posts(CHANNEL_ID) for e in m["embeds"]]
    assert [t.split("\\.")[0] for t in titles] == [str(i) for i in range(1, 41)]  # every card once, in order


async def test_lost_connection_while_adding_reactions_does_not_fail_the_post(chat: Chat, fake: FakeDiscord,
                                                                            service: Service, config: Config) -> None:
    fake.fail("PUT", "/reactions/", Reply.disconnect(), forever=True)  # aiohttp retries a PUT once by itself
    service.deps.platforms = {"discord": ChatPlatform("discord", chat, config.discord.vote_emoji)}
    thread = replace(digest_thread(make_digest(seed_papers(3))), replies=())

    await publish(thread, team=config.teams[0], deps=service.deps)
    await publish(thread, team=config.teams[0], deps=service.deps)  # a re-run finds it posted
    assert len(fake.channel_posts(CHANNEL_ID)) == 1
