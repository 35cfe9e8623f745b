"""Publishing a digest thread: once per channel, resumable after a crash, votes map to papers."""

from __future__ import annotations

import os
import socket
from datetime import date
from pathlib import Path

import pytest

from bot.core.digest_view import digest_thread
from bot.core.message import Thread
from bot.core.models import Digest, ReactionEvent
from handlers.publish import publish
from handlers.service import BotService
from storage import posts as posts_store
from storage import votes
from storage.owners import new_owner
from tests.support import FakeChat, make_config, make_deps, seed_digest

FIX = Path(__file__).resolve().parents[1] / "fixtures"


def _digest() -> Digest:
    return seed_digest(10, digest_size=5)


@pytest.fixture
def deps(tmp_path: Path):
    d = make_deps(make_config(tmp_path), chats={"console": FakeChat()})
    yield d
    d.store.close()


async def test_parent_then_one_reply_per_pick(deps) -> None:
    thread = digest_thread(_digest())
    report = await publish(thread, team=deps.config.teams[0], deps=deps)
    chat = deps.chats["console"]
    assert report.posted == 11 and report.skipped == 0
    assert chat.posts[0][1] is None and all(p[1] == "m1" for p in chat.posts[1:])
    assert [p[2].papers for p in chat.posts[1:]] == [(pk.paper.arxiv_id,) for pk in _digest().picks]


async def test_rerun_posts_nothing_twice(deps) -> None:
    thread = digest_thread(_digest())
    await publish(thread, team=deps.config.teams[0], deps=deps)
    again = await publish(thread, team=deps.config.teams[0], deps=deps)
    assert again.posted == 0 and again.skipped == 11
    assert len(deps.chats["console"].posts) == 11


async def test_a_failure_after_three_is_reported_and_the_rerun_resumes_with_the_rest(deps) -> None:
    chat = deps.chats["console"]
    chat.fail_after = 3
    thread = digest_thread(_digest())
    first = await publish(thread, team=deps.config.teams[0], deps=deps)
    assert [(f.platform, f.channel, f.detail) for f in first.failed] == [("console", "console", "simulated crash")]
    assert first.posted == 3 and len(chat.posts) == 3
    chat.fail_after = None
    report = await publish(thread, team=deps.config.teams[0], deps=deps)
    assert report.posted == 8 and report.skipped == 3 and not report.failed and len(chat.posts) == 11
    keys = [p[2].key for p in chat.posts]
    assert len(keys) == len(set(keys))  # no duplicates


def _dead_owner() -> str:
    """The claim token of a process that is gone: this host and pid, but another start time."""
    return f"{socket.gethostname()}/{os.getpid()}/0/gone"


async def test_a_message_sent_but_not_recorded_by_a_dead_process_is_found_and_recorded_not_sent_again(deps) -> None:
    chat = deps.chats["console"]
    thread = digest_thread(_digest())
    where = dict(team="foundations", kind="daily", period="2026-01-27", platform="console", channel="console")
    # A run claimed the parent and its first reply, posted both, and was killed before recording the reply.
    await publish(Thread(thread.parent, thread.replies[:1], thread.name, "daily", "2026-01-27"),
                  team=deps.config.teams[0], deps=deps)
    key = thread.replies[0].key
    deps.store.sync(lambda db: db.execute("UPDATE posts SET message_ids = '[]', claimed_by = ? WHERE key = ?",
                                          [_dead_owner(), key]))
    assert deps.store.sync(posts_store.find_post, **where, key=key) is None
    report = await publish(thread, team=deps.config.teams[0], deps=deps)
    assert (report.recovered, report.posted, report.skipped) == (1, 9, 1)
    assert len(chat.posts) == 11  # nothing twice
    assert deps.store.sync(posts_store.find_post, **where, key=key).message_ids == ("m2",)


async def test_reactions_on_posts_become_votes(deps) -> None:
    d = _digest()
    await publish(digest_thread(d), team=deps.config.teams[0], deps=deps)
    svc = BotService(deps)
    first_reply = "m2"  # the reply for rank 1
    out = await svc.on_reaction(ReactionEvent("console", "console", first_reply, "alice", "👍", True))
    assert out.startswith("voted")
    again = await svc.on_reaction(ReactionEvent("console", "console", first_reply, "alice", "👍", True))
    assert again.startswith("no change")  # re-adding is a no-op
    # numbered reaction 3 on the parent = rank 3
    await svc.on_reaction(ReactionEvent("console", "console", "m1", "bob", "3️⃣", True))
    net = await deps.store.call(votes.net_votes, "foundations", [p.paper.arxiv_id for p in d.picks])
    assert net == {d.picks[0].paper.arxiv_id: 1, d.picks[2].paper.arxiv_id: 1}
    svc.add_bot_user("bot")
    assert (await svc.on_reaction(ReactionEvent("console", "console", "m1", "bot", "1️⃣", True))).startswith("ignored")
    assert (await svc.on_reaction(ReactionEvent("console", "console", "nope", "x", "👍", True))).startswith("ignored")


async def test_two_processes_publishing_at_once_post_each_message_once(tmp_path: Path) -> None:
    """The bot and a `paperbot daily` run sharing one database: the claims keep every post single."""
    import asyncio

    class SlowChat(FakeChat):
        async def post(self, channel, message, **kw):
            await asyncio.sleep(0.05)
            return await super().post(channel, message, **kw)

        async def reply(self, channel, parent_id, message, *, thread_name="", **kw):
            await asyncio.sleep(0.01)
            return await super().reply(channel, parent_id, message, thread_name=thread_name, **kw)

    config = make_config(tmp_path)
    a, b = make_deps(config, chats={"console": SlowChat()}), make_deps(config, chats={"console": SlowChat()})
    thread = digest_thread(_digest())
    try:
        await asyncio.gather(publish(thread, team=config.teams[0], deps=a),
                             publish(thread, team=config.teams[0], deps=b))
        again = await publish(thread, team=config.teams[0], deps=a)
    finally:
        a.store.close()
        b.store.close()
    keys = [p[2].key for p in a.chats["console"].posts + b.chats["console"].posts]
    assert sorted(keys) == sorted(["parent", *(pk.paper.arxiv_id for pk in _digest().picks)])
    assert again.posted == 0


async def test_a_claim_left_by_a_dead_process_is_taken_over_later(deps) -> None:
    from datetime import UTC, datetime, timedelta

    where = dict(team="foundations", kind="daily", period="2026-01-27", platform="console", channel="console")
    # A process claimed the parent 30 minutes ago and died before posting it.
    await deps.store.call(posts_store.claim_post, **where, key="parent", owner=new_owner(),
                          now=datetime.now(UTC) - timedelta(minutes=30))
    report = await publish(digest_thread(_digest()), team=deps.config.teams[0], deps=deps)
    assert report.posted == 11 and report.busy == 0
    # A fresh claim, by contrast, is respected: nothing posted, nothing lost.
    where2 = {**where, "period": "2026-01-28"}
    d = _digest()
    fresh = digest_thread(Digest(d.team, date(2026, 1, 28), d.scorer, d.listed, d.scanned, d.picks, d.digest_size))
    await deps.store.call(posts_store.claim_post, **where2, key="parent", owner=new_owner())
    busy = await publish(fresh, team=deps.config.teams[0], deps=deps)
    assert busy.posted == 0 and busy.busy == 1
    # ...unless the process holding it is dead: then it is taken over at once (and looked for first).
    deps.store.sync(lambda db: db.execute("UPDATE posts SET claimed_by = ? WHERE period = '2026-01-28'",
                                          [_dead_owner()]))
    taken = await publish(fresh, team=deps.config.teams[0], deps=deps)
    assert taken.posted == 11 and taken.busy == 0
