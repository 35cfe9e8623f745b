"""Fixtures for the Slack adapter tests: the fake Web API, a real store and BotService, signed payloads."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.models.blocks import Block
from slack_sdk.signature import SignatureVerifier

from bot.config import Config
from bot.core.models import Digest, Paper, Pick, Score
from bot.platforms.slack.adapter import SlackAdapter
from bot.platforms.slack.chat import SlackChat, build_client
from handlers.deps import Deps
from handlers.service import BotService
from storage import papers as paper_store
from tests.fakes.slack_api import FakeSlack, slack_api  # noqa: F401  (fixture)
from tests.support import make_config, make_deps

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
SLACK_FIXTURES = FIXTURES / "slack"
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"  # a made-up signing secret, as in Slack's docs
CHANNEL = "C111"  # the channel of bolt-python's recorded payloads; our team posts there
TEAM = "foundations"


def fixture_json(name: str) -> dict[str, Any]:
    """A recorded Slack payload from tests/fixtures/slack/."""
    return json.loads((SLACK_FIXTURES / name).read_text(encoding="utf-8"))


def seed_papers(n: int | None = None) -> list[tuple[Paper, Score]]:
    """Real papers of the seed digests (tests/fixtures/seed_papers.jsonl) with their recorded scores."""
    out = []
    for line in (FIXTURES / "seed_papers.jsonl").read_text(encoding="utf-8").splitlines()[:n]:
        r = json.loads(line)
        p = Paper(r["arxiv_id"], r["title"], r.get("abstract", ""), tuple(r.get("authors", ())),
                  categories=("cs.LG",))
        out.append((p, Score(p.arxiv_id, r.get("relevance"), r.get("novelty"), r.get("comment", ""),
                             scorer="llm:gpt-4o")))
    return out


def make_digest(n: int, *, size: int = 10, day: date = date(2026, 1, 27),
                papers: list[tuple[Paper, Score]] | None = None) -> Digest:
    """A digest of the first n seed papers."""
    rows = papers if papers is not None else seed_papers(n)
    return Digest(team=TEAM, day=day, scorer="llm:gpt-4o", listed=120, scanned=len(rows) + 50,
                  picks=tuple(Pick(p, s) for p, s in rows), digest_size=size)


def assert_valid_post(body: dict[str, Any]) -> None:
    """A chat.postMessage / response_url body is valid Block Kit within Slack's limits."""
    blocks = body.get("blocks") or []
    assert str(body.get("text", "")).strip(), "every post needs a plain-text fallback"
    assert 1 <= len(blocks) <= 50
    for b in blocks:
        Block.parse(b).validate_json()  # slack_sdk's own model checks (lengths, required keys)
        if b["type"] == "header":
            assert len(b["text"]["text"]) <= 150
        if b["type"] == "section":
            if "text" in b:
                assert 1 <= len(b["text"]["text"]) <= 3000
            assert len(b.get("fields", [])) <= 10
        if b["type"] == "actions":
            assert len(b["elements"]) <= 25
            for el in b["elements"]:
                assert len(el["text"]["text"]) <= 75
    # Slack's practical limit: ~12k characters of text per message.
    assert sum(_texts(blocks)) <= 12_000


def _texts(node: Any) -> Iterator[int]:
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "text" and isinstance(v, str):
                yield len(v)
            else:
                yield from _texts(v)
    elif isinstance(node, list):
        for v in node:
            yield from _texts(v)


def sign(body: str, *, secret: str = SECRET, timestamp: int | None = None,
         content_type: str = "application/x-www-form-urlencoded") -> dict[str, str]:
    """Headers Slack would send with `body`, signed with `secret`."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return {"content-type": content_type, "x-slack-request-timestamp": ts,
            "x-slack-signature": SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)}


def command_body(command: str, text: str, *, response_url: str, user: str = "W111",
                 channel: str = CHANNEL) -> str:
    """bolt-python's recorded slash-command form body with our command, text and response_url."""
    raw = (SLACK_FIXTURES / "bolt_python_tests" / "slash_command_form_body.txt").read_text().strip()
    fields = dict(parse_qsl(raw, keep_blank_values=True))
    fields.update(command=command, text=text, response_url=response_url, user_id=user, channel_id=channel)
    return urlencode(fields)


def interaction_body(payload: dict[str, Any]) -> str:
    """An interactivity request body (form field `payload`, as Slack posts it)."""
    return urlencode({"payload": json.dumps(payload)})


async def settle(before: set[asyncio.Task]) -> None:
    """Wait for every task started since `before` (bolt runs listeners after the ack)."""
    me = asyncio.current_task()
    while True:
        new = [t for t in asyncio.all_tasks() - before if t is not me and not t.done()]
        if not new:
            return
        await asyncio.wait(new, timeout=10)


@dataclass
class SlackEnv:
    """Everything a Slack test needs: fake API, config, real deps/service, the adapter and its chat."""

    api: FakeSlack
    config: Config
    deps: Deps
    service: BotService
    adapter: SlackAdapter

    @property
    def chat(self) -> SlackChat:
        """The adapter's Chat."""
        return self.adapter.chat

    async def dispatch(self, body: str, *, headers: dict[str, str] | None = None,
                       content_type: str = "application/x-www-form-urlencoded") -> BoltResponse:
        """Send a signed request through bolt (as the HTTP endpoint does) and wait for the listeners."""
        before = asyncio.all_tasks()
        hdrs = sign(body, content_type=content_type) if headers is None else headers
        resp = await self.adapter.app.async_dispatch(AsyncBoltRequest(body=body, headers=hdrs))
        await settle(before)
        return resp

    async def seed_store(self, n: int = 6) -> list[Paper]:
        """Store n seed papers (as the daily run would) and return them."""
        papers = [p for p, _ in seed_papers(n)]
        await self.deps.store.call(paper_store.upsert_papers, papers)
        return papers


def slack_config(tmp_path: Path, api: FakeSlack, **slack: Any) -> Config:
    """The shipped config with Slack pointed at the fake, HTTP mode, our team in CHANNEL."""
    env = {"SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_SIGNING_SECRET": SECRET, "SLACK_APP_TOKEN": "xapp-test"}
    return make_config(tmp_path, env=env, slack={"api_url": api.base_url, "mode": "http", **slack},
                       team={"slack_channels": [CHANNEL], "console": False, "editors": ["slack:W111"]})


def make_env(api: FakeSlack, config: Config, deps: Deps) -> SlackEnv:
    """The adapter (built, not started) and BotService around `deps`, Slack pointed at the fake."""
    # Real retry handlers, short back-off so fault tests stay fast.
    client = build_client(config.slack, backoff_s=0.01)
    service = BotService(deps)
    adapter = SlackAdapter(config.slack, service, client=client, host="127.0.0.1", port=0)
    deps.platforms = {"slack": adapter}
    return SlackEnv(api, config, deps, service, adapter)


@pytest.fixture
async def env(tmp_path: Path, slack_api: FakeSlack) -> AsyncIterator[SlackEnv]:  # noqa: F811
    """A SlackEnv on a fresh database (the adapter is built, not started)."""
    config = slack_config(tmp_path, slack_api)
    built = make_env(slack_api, config, make_deps(config))
    try:
        yield built
    finally:
        await built.adapter.stop()
        built.deps.store.close()
