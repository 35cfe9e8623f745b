"""/papers export in Slack: signed slash commands through bolt; the file goes up with files upload v2
(files.getUploadURLExternal, the bytes, files.completeUploadExternal), as slack_sdk's files_upload_v2 sends it."""

from __future__ import annotations

from datetime import date

from bot.core.models import Digest, Pick
from storage import digests
from tests.platforms.slack.conftest import CHANNEL, TEAM, SlackEnv, command_body, seed_papers


async def _seed_day(env: SlackEnv, day: date = date(2026, 1, 27), n: int = 5) -> list[str]:
    rows = seed_papers(n)
    await env.seed_store(n)
    digest = Digest(TEAM, day, "llm:gpt-4o", 100, 50, tuple(Pick(p, s) for p, s in rows), digest_size=10)
    await env.deps.store.call(digests.save_digest, digest)
    return [p.arxiv_id for p, _ in rows]


async def test_a_private_export_is_sent_to_the_users_direct_messages(env: SlackEnv):
    ids = await _seed_day(env)
    await env.dispatch(command_body("/papers", "export day 2026-01-27 bibtex", response_url=env.api.response_url("x"),
                                    user="W111"))
    [dm] = env.api.calls_to("conversations.open")
    assert dm.body["users"] == "W111"
    get_url = env.api.calls_to("files.getUploadURLExternal")[0].body
    assert get_url["filename"] == "foundations-2026-01-27.bib"
    [upload] = env.api.calls_to("upload")
    text = upload.body["data"].decode("utf-8")
    assert int(get_url["length"]) == len(upload.body["data"]) and all(f"eprint = {{{i}}}" in text for i in ids)
    done = env.api.calls_to("files.completeUploadExternal")[0].body
    assert done["channel_id"] == dm.answer["channel"]["id"] and done["channel_id"] != CHANNEL
    replies = env.api.responses("x")
    assert all(r["response_type"] == "ephemeral" for r in replies)
    assert "foundations-2026-01-27.bib" in replies[0]["text"] and "direct message" in replies[-1]["text"]


async def test_a_shared_export_is_uploaded_to_the_channel(env: SlackEnv):
    await _seed_day(env)
    await env.dispatch(command_body("/papers", "export day 2026-01-27 csv share", response_url=env.api.response_url("x")))
    assert env.api.calls_to("conversations.open") == []
    done = env.api.calls_to("files.completeUploadExternal")[0].body
    assert done["channel_id"] == CHANNEL
    assert env.api.calls_to("upload")[0].body["data"].startswith(b"team,day,rank,arxiv_id")
    assert env.api.responses("x")[0]["response_type"] == "in_channel"


async def test_a_refused_upload_is_said_to_the_user(env: SlackEnv):
    await _seed_day(env)
    env.api.fail("files.getUploadURLExternal", status=200, error="missing_scope")
    await env.dispatch(command_body("/papers", "export day 2026-01-27", response_url=env.api.response_url("x")))
    assert "Could not upload foundations-2026-01-27.bib" in env.api.responses("x")[-1]["text"]


async def test_import_says_slack_commands_cannot_carry_files(env: SlackEnv):
    await env.dispatch(command_body("/papers", "import", response_url=env.api.response_url("i")))
    [answer] = env.api.responses("i")
    assert answer["response_type"] == "ephemeral"
    assert "Slack slash commands cannot carry files" in answer["text"] and "paperbot import FILE" in answer["text"]
