"""What a phone shows for each weekly message (Slack's `text`, Discord's content): titles, never bare ids.

The weekly thread of a real week (tests/fixtures/weekly_week.jsonl, its validated report) is posted
through the real slack_sdk and discord.py clients to the local fakes.
"""

from __future__ import annotations

import re

from bot.app import open_platforms
from bot.core.weekly_view import weekly_thread
from handlers.publish import publish
from tests.core.test_weekly_view import report
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.slack_api import FakeSlack, slack_api  # noqa: F401 (fixture)
from tests.platforms.test_both_platforms import both, fake_discord  # noqa: F401 (fixtures)
from tests.support import make_deps

BARE_IDS = re.compile(r"^[\d.,\s]+$")


async def test_each_weekly_notification_names_its_papers(both, slack_api: FakeSlack,  # noqa: F811
                                                         fake_discord: FakeDiscord) -> None:  # noqa: F811
    r = report()
    thread = weekly_thread(r)
    notable = [p["title"] for p in r["notable"]]
    deps = make_deps(both)
    try:
        async with open_platforms(both) as platforms:
            deps.platforms = platforms
            done = await publish(thread, team=both.teams[0], deps=deps)
    finally:
        deps.store.close()
    assert done.posted == 2 * (1 + len(thread.replies))

    texts = [c.body["text"] for c in slack_api.calls_to("chat.postMessage")]
    assert len(texts) == 1 + len(thread.replies)
    papers_text = texts[-1]  # the numbered notable papers and honorable mentions
    assert papers_text.startswith("Notable papers: 1. ") and all(t in papers_text for t in notable[:2])
    assert "Honorable mentions: 6. " in papers_text
    assert not any(BARE_IDS.match(t) for t in texts)

    # Discord shows a message's content (the papers list is too long for it, so it goes in an embed).
    sent = [m for m in fake_discord.messages.values() if not m.get("webhook")]
    assert len(sent) == 1 + len(thread.replies)
    assert not any(BARE_IDS.match(m["content"]) for m in sent if m["content"])
    shown = sent[-1]["content"] + "".join(e.get("description", "") for e in sent[-1].get("embeds", []))
    assert all(t.split(":")[0] in shown for t in notable[:2])
