"""Test stores seeded with the real papers of the two seed digests, and `paperbot ask` on a temp config.

The papers (tests/fixtures/seed_papers.jsonl) come from DaizeDong/ChatGPT-ArXiv-Paper-Assistant's
daily outputs (Apache-2.0, licence in tests/fixtures/licenses/).
"""

from __future__ import annotations

import contextlib
import io
import json
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from bot.config import default_config_text
from bot.core.message import Message, PaperCard
from bot.core.models import Digest, ListingEntry, Paper, Pick, Request, Score, Upload
from bot.core.render_text import render
from handlers.deps import Deps
from handlers.service import BotService
from storage import digests
from storage import papers as paper_store
from storage.db import Store

SEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "seed_papers.jsonl"
TEAM = "foundations"


def seed_rows() -> list[dict]:
    """The 74 seed papers with their recorded scores and digest day."""
    return [json.loads(line) for line in SEEDS.read_text(encoding="utf-8").splitlines() if line.strip()]


def seed_paper(r: dict) -> Paper:
    """A seed row as a Paper (the seeds carry no categories)."""
    return Paper(r["arxiv_id"], r["title"], r["abstract"], tuple(r["authors"]))


def seed_score(r: dict) -> Score:
    """The recorded verdict of a seed row ("Author match" rows have no numbers)."""
    if r["relevance"] is None:
        return Score(r["arxiv_id"], None, None, r["comment"], "author", author_match=True)
    return Score(r["arxiv_id"], r["relevance"], r["novelty"], r["comment"], "llm:gpt-5")


def seed_store(store: Store, *, team: str = TEAM, shift: dict[str, str] | None = None) -> dict[str, list[Pick]]:
    """Store the seed papers, their listing days and both digests (days renamed by `shift`); picks by day."""
    by_day: dict[str, list[Pick]] = defaultdict(list)
    for r in seed_rows():
        day = (shift or {}).get(r["digest_date"], r["digest_date"])
        by_day[day].append(Pick(seed_paper(r), seed_score(r)))
    for day, picks in by_day.items():
        picks.sort(key=lambda p: (not p.score.author_match, -p.score.total, p.paper.arxiv_id))
        d = date.fromisoformat(day)
        store.sync(paper_store.save_listing, d, [ListingEntry(p.paper, "new") for p in picks])
        store.sync(digests.save_digest, Digest(team, d, "llm:gpt-5", 700, 398, tuple(picks), digest_size=10))
    return dict(by_day)


def req(text: str, *, command: str = "papers", user: str = "U1", platform: str = "slack",
        roles: tuple[str, ...] = (), is_admin: bool = False, upload: Upload | None = None) -> Request:
    """A request as an adapter builds it (the team is left for BotService to fill in)."""
    return Request(platform=platform, team="", channel="C1", user=user, text=text, command=command,
                   user_name=user, roles=roles, is_admin=is_admin, upload=upload)


async def reply(deps: Deps, line: str, **kw: object) -> Message:
    """Run a command line ("/papers week") through BotService, as a platform adapter does."""
    return await BotService(deps).run_command(_line_req(line, **kw))


async def run(deps: Deps, line: str, **kw: object) -> str:
    """Run a command line through BotService and return the reply as the console shows it."""
    return render(await reply(deps, line, **kw))


def cards(msg: Message) -> list[PaperCard]:
    """The paper cards of a reply, in order."""
    return [b for b in msg.blocks if isinstance(b, PaperCard)]


def _line_req(line: str, **kw: object) -> Request:
    head, _, rest = line.strip().partition(" ")
    return req(rest.strip(), command=head.lstrip("/"), **kw)  # type: ignore[arg-type]


def write_config(tmp_path: Path, *, editors: list[str] | None = None, arxiv_api: str = "",
                 llm_base_url: str = "") -> Path:
    """A config file for `paperbot ask`: the shipped config with storage (and stand-ins) in tmp_path."""
    text = default_config_text()
    text = text.replace('path = "data/paperbot.db"', f'path = "{tmp_path / "paperbot.db"}"')
    if editors is not None:
        text = text.replace("editors = []", "editors = " + json.dumps(editors))
    if arxiv_api:
        text = text.replace('api_url = "https://export.arxiv.org/api/query"', f'api_url = "{arxiv_api}"')
        text = text.replace("min_interval_s = 3.0", "min_interval_s = 0.0")
        text = text.replace('html_url = "https://arxiv.org/html/{id}"',
                            f'html_url = "{arxiv_api.rsplit("/api", 1)[0]}/html/{{id}}"')
    if llm_base_url:
        text = text.replace('base_url = ""', f'base_url = "{llm_base_url}"')
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def ask(config: Path, line: str, *, user: str = "cli", platform: str = "console") -> str:
    """`paperbot --config … ask LINE --user … --platform …`: the printed reply."""
    from bot.__main__ import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["--config", str(config), "ask", line, "--user", user, "--platform", platform])
    assert code == 0
    return out.getvalue()


@pytest.fixture
def no_llm_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No OpenAI settings from the environment (so `paperbot ask` runs without an LLM)."""
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "PAPERBOT_DB", "PAPERBOT_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    yield
