"""Posting through the real AsyncWebClient to the fake Web API: daily post, splits, 429s, crashes, images."""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.core.digest_view import digest_thread
from bot.core.message import Image, Message, PaperCard, Paragraph, Thread
from bot.core.models import ListingEntry
from bot.platforms.slack.chat import check_slack, open_slack_chat
from bot.platforms.slack.mrkdwn import escape
from bot.ports import PostMark, UpstreamError
from handlers.daily import run_daily
from handlers.publish import publish
from storage import papers as paper_store
from storage import posts
from tests.platforms.slack.conftest import (
    CHANNEL,
    TEAM,
    SlackEnv,
    assert_valid_post,
    make_digest,
    seed_papers,
    slack_config,
)

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000")


async def _posts(env: SlackEnv, period: str = "2026-01-27") -> list[dict]:
    return await env.deps.store.call(posts.posts_for, team=TEAM, kind="daily", period=period)


async def test_daily_digest_posts_parent_then_thread_replies_with_valid_block_kit(env: SlackEnv):
    thread = digest_thread(make_digest(12, size=10))
    report = await publish(thread, team=env.config.teams[0], deps=env.deps)
    calls = env.api.calls_to("chat.postMessage")
    assert report.posted == 13 and len(calls) == 13
    parent, replies = calls[0].body, [c.body for c in calls[1:]]
    assert parent["channel"] == CHANNEL and "thread_ts" not in parent
    assert calls[0].headers["Authorization"] == "Bearer xoxb-test-token"
    for body in [parent, *replies]:
        assert_valid_post(body)
        assert body["unfurl_links"] is False and body["unfurl_media"] is False
    parent_ts = (await _posts(env))[0]["thread_id"]
    assert {r["thread_ts"] for r in replies} == {parent_ts}
    # Each reply is one paper, in rank order, with its buttons.
    for i, (body, pick) in enumerate(zip(replies, thread.replies, strict=True), start=1):
        assert body["text"] == escape(pick.fallback) and body["text"].startswith(f"{i}. ")
        assert body["blocks"][0]["text"]["text"].startswith(f"{i}. *<https://arxiv.org/abs/{pick.papers[0]}|")
        assert [b["value"] for b in body["blocks"][-1]["elements"]][0] == f"/explain {pick.papers[0]}"
    rows = await _posts(env)
    assert [r["key"] for r in rows] == ["parent", *[r.papers[0] for r in thread.replies]]


async def test_daily_run_on_a_stored_listing_posts_once_to_slack(env: SlackEnv):
    day = date(2026, 1, 27)
    await env.deps.store.call(paper_store.save_listing, day, [ListingEntry(p, "new") for p, _ in seed_papers(40)])
    result = await run_daily(env.config.teams[0], env.deps, day=day)  # no LLM: the local ranker picks
    assert result.digest is not None and result.digest.picks
    calls = env.api.calls_to("chat.postMessage")
    assert len(calls) == 1 + len(result.digest.picks)
    for c in calls:
        assert_valid_post(c.body)
    header = calls[0].body["blocks"][0]["text"]["text"]
    assert header == "Daily arXiv papers for foundations · 2026-01-27"
    assert "Scored by the local ranker" in json.dumps(calls[0].body["blocks"])
    again = await run_daily(env.config.teams[0], env.deps, day=day)
    assert again.published is not None and again.published.posted == 0
    assert len(env.api.calls_to("chat.postMessage")) == len(calls)


async def test_forty_paper_digest_parent_is_split_and_post_returns_every_ts(env: SlackEnv):
    thread = digest_thread(make_digest(40, size=40))
    ids = await env.chat.post(CHANNEL, thread.parent)
    calls = env.api.calls_to("chat.postMessage")
    assert len(ids) == len(calls) >= 2
    assert ids == [c.answer["ts"] for c in calls] and len(set(ids)) == len(ids)
    for c in calls:
        assert_valid_post(c.body)
    titles = "".join(json.dumps(c.body["blocks"]) for c in calls)
    assert all(titles.count(f"https://arxiv.org/abs/{pid}|") == 1 for pid in thread.parent.papers)


async def test_rate_limit_is_waited_out_and_nothing_is_lost(env: SlackEnv):
    thread = digest_thread(make_digest(2))
    env.api.fail("chat.postMessage", status=429, retry_after=1, after=1, times=1)
    report = await publish(thread, team=env.config.teams[0], deps=env.deps)
    attempts = env.api.calls_to("chat.postMessage", ok_only=False)
    assert [c.status for c in attempts] == [200, 429, 200, 200]
    assert attempts[2].at - attempts[1].at >= 1.0  # Retry-After honoured before the retry
    assert attempts[1].body == attempts[2].body  # the same message, retried
    assert report.posted == 3
    assert [r["key"] for r in await _posts(env)] == ["parent", *[r.papers[0] for r in thread.replies]]


async def test_slack_down_after_three_posts_fails_the_run_and_the_rerun_posts_the_other_seven(env: SlackEnv):
    thread = digest_thread(make_digest(9))  # parent + 9 replies = 10 messages
    env.api.fail("chat.postMessage", status=500, after=3)  # Slack breaks for good from the 4th post
    report = await publish(thread, team=env.config.teams[0], deps=env.deps)
    assert report.failed_platforms == ["slack"] and "HTTP 500" in report.failed[0].detail
    first = env.api.calls_to("chat.postMessage")
    assert len(first) == 3
    assert len(env.api.calls_to("chat.postMessage", ok_only=False)) == 3 + 4  # one try + three retries
    # Before each retry the thread is read back: had a failed attempt got through, it would not be sent again.
    assert len(env.api.calls_to("conversations.replies")) == 3
    assert [r["key"] for r in await _posts(env) if r["message_ids"] != "[]"] == ["parent", *thread.parent.papers[:2]]

    env.api.clear_faults()
    report = await publish(thread, team=env.config.teams[0], deps=env.deps)
    assert (report.posted, report.skipped) == (7, 3)
    second = env.api.calls_to("chat.postMessage")[3:]
    assert len(second) == 7
    parent_ts = (await _posts(env))[0]["thread_id"]
    assert {c.body["thread_ts"] for c in second} == {parent_ts}
    texts = [c.body["text"] for c in first + second]
    assert len(set(texts)) == 10  # every message exactly once over the two runs
    assert [r["key"] for r in await _posts(env)] == ["parent", *[r.papers[0] for r in thread.replies]]


async def test_every_digest_post_carries_its_mark_as_metadata_and_is_found_by_it(env: SlackEnv):
    thread = digest_thread(make_digest(2))
    await publish(thread, team=env.config.teams[0], deps=env.deps)
    calls = env.api.calls_to("chat.postMessage")
    assert calls[0].body["metadata"] == {"event_type": "paperbot_post", "event_payload": {
        "team": TEAM, "kind": "daily", "period": thread.period, "key": "parent", "part": 0, "parts": 1}}
    parent_ts, reply_ts = calls[0].answer["ts"], calls[1].answer["ts"]
    since = datetime.now(UTC) - timedelta(seconds=5)
    assert await env.chat.find(CHANNEL, PostMark(TEAM, "daily", thread.period, "parent"), since=since) == [parent_ts]
    first = PostMark(TEAM, "daily", thread.period, thread.replies[0].key)
    assert await env.chat.find(CHANNEL, first, parent_id=parent_ts) == [reply_ts]
    assert await env.chat.find(CHANNEL, PostMark(TEAM, "daily", "2026-01-26", "parent")) == []
    history = env.api.calls_to("conversations.history")[0].body
    assert history["include_all_metadata"] in ("1", "true")
    assert float(history["oldest"]) == pytest.approx((since - timedelta(minutes=2)).timestamp())  # clock slack


@pytest.mark.parametrize("fault", [{"status": 500}, {"reset": True}], ids=["three-500s", "three-resets"])
async def test_three_failures_in_a_row_are_retried_and_the_message_is_posted_once(env: SlackEnv, fault: dict):
    env.api.fail("chat.postMessage", times=3, **fault)
    mark = PostMark(TEAM, "daily", "2026-01-27", "parent")
    ids = await env.chat.post(CHANNEL, Message.text("hello", ephemeral=False), mark=mark)
    stored = env.api.channel_messages(CHANNEL)
    assert [m["ts"] for m in stored] == ids and len(env.api.calls_to("chat.postMessage", ok_only=False)) == 4


async def test_an_answer_lost_after_slack_posted_is_found_and_not_posted_again(env: SlackEnv):
    env.api.fail("chat.postMessage", reset=True, accept=True, times=1)  # Slack posts it; the answer is lost
    mark = PostMark(TEAM, "daily", "2026-01-27", "parent")
    ids = await env.chat.post(CHANNEL, Message.text("hello", ephemeral=False), mark=mark)
    stored = env.api.channel_messages(CHANNEL)
    assert len(stored) == 1 and ids == [stored[0]["ts"]]
    assert len(env.api.calls_to("chat.postMessage", ok_only=False)) == 1  # looked up, not sent again
    assert len(env.api.calls_to("conversations.history")) == 1


async def test_failure_inside_an_unmarked_split_message_takes_back_the_posted_part_and_raises(env: SlackEnv):
    parent = digest_thread(make_digest(40, size=40)).parent
    env.api.fail("chat.postMessage", status=500, after=1)
    with pytest.raises(UpstreamError):
        await env.chat.post(CHANNEL, parent)
    posted = env.api.calls_to("chat.postMessage")
    deleted = env.api.calls_to("chat.delete")
    assert len(posted) == 1
    assert [(d.body["channel"], d.body["ts"]) for d in deleted] == [(CHANNEL, posted[0].answer["ts"])]


async def test_image_is_uploaded_to_the_thread(env: SlackEnv):
    msg = Message(blocks=(Paragraph.of("Weekly chart"),), fallback="chart", ephemeral=False,
                  image=Image("weekly.png", PNG, "Votes per day"))
    ids = await env.chat.reply(CHANNEL, "1503435957.000001", msg)
    assert len(ids) == 1
    get_url = env.api.calls_to("files.getUploadURLExternal")[0].body
    assert (get_url["filename"], int(get_url["length"])) == ("weekly.png", len(PNG))
    assert env.api.calls_to("upload")[0].body == {"bytes": len(PNG), "data": PNG}
    done = env.api.calls_to("files.completeUploadExternal")[0].body
    assert (done["channel_id"], done["thread_ts"]) == (CHANNEL, "1503435957.000001")
    assert done["files"][0]["id"] == "F0CHART0"


async def test_failed_upload_posts_without_the_image_and_logs(env: SlackEnv, caplog: pytest.LogCaptureFixture):
    env.api.fail("files.getUploadURLExternal", status=403, error="missing_scope")
    msg = Message(blocks=(Paragraph.of("Weekly chart"),), fallback="chart", image=Image("w.png", PNG, "chart"))
    with caplog.at_level(logging.WARNING, logger="paperbot.slack"):
        ids = await env.chat.post(CHANNEL, msg)
    assert len(ids) == 1 and len(env.api.calls_to("chat.postMessage")) == 1
    assert "w.png not uploaded" in caplog.text and "missing_scope" in caplog.text
    assert "xoxb-test-token" not in caplog.text


async def test_posted_title_with_mentions_pings_nobody(env: SlackEnv):
    card = PaperCard(arxiv_id="2601.00009", title="LLMs <!channel> @here <@U123> & <!subteam^S1>",
                     url="https://arxiv.org/abs/2601.00009", rank=1)
    await env.chat.post(CHANNEL, Message(blocks=(card,), fallback=card.title, papers=(card.arxiv_id,)))
    sent = json.dumps(env.api.calls_to("chat.postMessage")[0].body, ensure_ascii=False)
    for raw in ("<!channel>", "<@U123>", "<!subteam^S1>", "@here"):
        assert raw not in sent
    assert "&lt;!channel&gt;" in sent


async def test_open_slack_chat_and_doctor_check(tmp_path, slack_api):
    config = slack_config(tmp_path, slack_api)
    chat, close = await open_slack_chat(config.slack)
    try:
        assert await chat.post(CHANNEL, Thread(parent=Message.text("hi")).parent)
    finally:
        await close()
    ok, detail = await check_slack(config.slack)
    assert ok and "grace" in detail and "HTTP mode" in detail
    sock_ok, sock_detail = await check_slack(slack_config(tmp_path, slack_api, mode="socket").slack)
    assert sock_ok and "app token ok" in sock_detail
    slack_api.fail("auth.test", status=200, error="invalid_auth")
    bad, why = await check_slack(config.slack)
    assert not bad and "invalid_auth" in why and "xoxb" not in why
