"""The registry: help generated for every command and subcommand, one parser, and the ONE error policy."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

import handlers.commands  # noqa: F401 - registers the commands
from bot.core.render_text import render
from bot.sources.arxiv import ArxivSource
from handlers.registry import REGISTRY, help_message, tokenize
from handlers.service import BotService
from tests.fakes.arxiv_server import ArxivServer, Reply
from tests.handlers.seeding import req, run, seed_store
from tests.support import make_config, make_deps


@pytest.fixture
def deps(tmp_path: Path):
    d = make_deps(make_config(tmp_path))
    seed_store(d.store)
    yield d
    d.store.close()


def test_every_command_and_subcommand_has_help_and_usage() -> None:
    names = [c.name for c in REGISTRY.all()]
    assert names[:5] == ["papers", "criteria", "explain", "ask", "help"]
    for spec in REGISTRY.all():
        assert spec.help.strip() and spec.usage.startswith(f"/{spec.name}")
        for sub in spec.subcommands:
            assert sub.help.strip(), (spec.name, sub.name)
            assert sub.usage.startswith(f"/{spec.name} {sub.name}"), sub.usage
        if spec.subcommands:
            assert spec.default_sub in {s.name for s in spec.subcommands}
            assert "help" in {s.name for s in spec.subcommands}


async def test_help_lists_every_command_and_subcommand(deps) -> None:
    text = await run(deps, "/help")
    for spec in REGISTRY.all():
        assert f"/{spec.name}" in text
        for sub in spec.subcommands:
            assert f"{sub.usage} — {sub.help}" in text


@pytest.mark.parametrize("line", ["/papers help", "/criteria help", "/help papers", "/help /criteria"])
async def test_per_command_help_is_the_registry_help(deps, line: str) -> None:
    name = "papers" if "papers" in line else "criteria"
    assert await run(deps, line) == render(help_message(name))


async def test_explain_help_and_unknown_help_topic(deps) -> None:
    assert "/explain <arxiv id or URL> [question]" in await run(deps, "/explain help")
    assert await run(deps, "/help nothing") == "No command called nothing."


async def test_unknown_command_and_subcommand_name_the_known_ones(deps) -> None:
    assert await run(deps, "/paper week") == "Unknown command /paper. Try one of: /papers, /criteria, /explain, /ask, /help."
    text = await run(deps, "/papers weak")
    assert text.startswith("/papers has no subcommand 'weak'. Try one of: today, week, month, day, top, mine,")


async def test_user_error_shows_the_subcommands_usage(deps) -> None:
    text = await run(deps, "/papers day yesterday")
    assert text == ("'yesterday' is not a date: use YYYY-MM-DD, e.g. 2026-01-27.\n"
                    "Usage: /papers day YYYY-MM-DD")


@pytest.mark.parametrize(("line", "said"), [
    ("/papers week --page x", "--page needs a whole number from 1, not 'x'."),
    ("/papers week --page 0", "--page needs a whole number from 1, not '0'."),
    ("/papers week --page", "--page needs a number, e.g. --page 2."),
    ("/papers day 2026-01-27 --page 99", "There is no page 99: this answer has 4 page(s)."),
    ("/criteria history --page 2", "There is no page 2: this answer has 1 page(s)."),
])
async def test_bad_pages_are_user_errors(deps, line: str, said: str) -> None:
    assert (await run(deps, line)).startswith(said + "\nUsage: /")


async def test_share_makes_the_reply_visible_to_the_channel(deps) -> None:
    service = BotService(deps)
    private = await service.run_command(req("week"))
    shared = await service.run_command(req("week share"))
    assert private.ephemeral and not shared.ephemeral
    assert shared.blocks == private.blocks


async def test_upstream_failure_says_who_is_not_answering(tmp_path: Path) -> None:
    with ArxivServer() as server:
        server.add("/api/query", Reply(503, "down"))
        source = ArxivSource(api_url=server.api_url, html_url=server.html_url, min_interval_s=0, timeout_s=2,
                             max_retries=0)
        deps = make_deps(make_config(tmp_path), source=source)
        try:
            text = await run(deps, "/papers show 2609.00001")
        finally:
            deps.store.close()
    assert text.startswith("arXiv is not answering right now (")
    assert text.endswith("Please try again in a minute.")


async def test_unexpected_failure_shows_an_error_id_and_logs_it(deps, caplog: pytest.LogCaptureFixture) -> None:
    deps.store.sync(lambda db: db.execute("DROP TABLE votes"))  # a broken store: not the user's fault
    with caplog.at_level(logging.ERROR, logger="paperbot.commands"):
        text = await run(deps, "/papers top")
    m = re.fullmatch(r"Sorry, something went wrong \(error id ([0-9a-f]{8})\)\. "
                     r"An admin can find the details in the bot's log\.", text)
    assert m, text
    assert m.group(1) in caplog.text and "no such table: votes" in caplog.text
    assert "votes" not in text


def test_tokenize_keeps_phrases_and_survives_an_unmatched_quote() -> None:
    assert tokenize('like "mixture of experts" now') == ["like", '"mixture of experts"', "now"]
    assert tokenize('search "unclosed phrase') == ["search", '"unclosed phrase']
    assert tokenize("“curly quotes” too") == ['"curly quotes"', "too"]


async def test_share_only_as_flag_where_the_words_are_the_users(tmp_path) -> None:
    from handlers.registry import pop_share
    from tests.handlers.seeding import req
    from tests.support import make_config, make_deps

    assert pop_share("week share") == ("week", True)
    assert pop_share("search market share", bare=False) == ("search market share", False)
    assert pop_share("search market share --share", bare=False) == ("search market share", True)
    deps = make_deps(make_config(tmp_path))
    try:
        from handlers.service import BotService

        svc = BotService(deps)
        assert (await svc.run_command(req("week share"))).ephemeral is False
        searched = await svc.run_command(req("search market share"))
        assert searched.ephemeral is True and "market share" in searched.fallback + str(searched.blocks)
        assert (await svc.run_command(req("search market share --share"))).ephemeral is False
    finally:
        deps.store.close()
