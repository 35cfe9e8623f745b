"""The README's command table matches the registry, and every example reply in it is what the bot says.

Each table row is `| usage | help | example | reply excerpt |`. The usages and help texts must equal the
registry's (in registry order); the examples are run in order on a store holding the two seed digests,
asked on 2026-02-05, and every reply line quoted in the README must appear in the bot's reply.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import handlers.commands  # noqa: F401 - registers the commands
from bot.core.render_text import render
from bot.llm.ask import LLMAsker
from bot.llm.client import OpenAIChat
from bot.llm.explain import LLMExplainer
from bot.llm.scoring import LLMScorer
from bot.ports import CallRecord
from handlers.registry import REGISTRY
from storage import criteria as criteria_store
from storage import scores, votes
from tests.fakes.openai_server import FakeOpenAI
from tests.handlers.seeding import TEAM, reply, seed_rows, seed_score, seed_store
from tests.support import FixedClock, make_config, make_deps

README = Path(__file__).resolve().parents[1] / "README.md"
ASKED_ON = datetime(2026, 2, 5, 12, 0, tzinfo=UTC)
USER, PLATFORM = "alice", "console"
# What a stand-in model answers to /explain in the examples (the bot's own text is around it).
EXPLAIN_ANSWER = {
    "tldr": "LatentMoE is an MoE architecture designed for accuracy per FLOP and per parameter; it beats "
            "standard MoE at up to 95B parameters.",
    "key_idea": "Co-design the MoE layer with the hardware: experts work in a smaller latent space.",
    "why_it_matters": "Mixture-of-Experts and efficiency are the team's first two topics.",
    "limitations": "Only the abstract was available; no numbers on quality beyond accuracy per FLOP.",
    "answer": "The abstract says it targets latency-critical inference, but gives no latency numbers.",
}
# What it answers to /ask (a question about a paper, with the sections it drew on).
ASK_ANSWER = {"answer": "The abstract claims better accuracy per FLOP and per parameter than standard MoE, "
                        "up to 95B parameters; it gives no latency numbers (Abstract).", "sections": ["Abstract"]}


def stand_in_model(request: dict) -> str:
    """The stand-in model's answer: /ask's when the request asks for an answer, /explain's otherwise."""
    name = ((request.get("response_format") or {}).get("json_schema") or {}).get("name")
    return json.dumps(ASK_ANSWER if name == "paper_answer" else EXPLAIN_ANSWER)


def readme_rows() -> list[tuple[str, str, str, list[str]]]:
    """(usage, help, example command, reply lines) of each row of the README's command table."""
    text = README.read_text(encoding="utf-8")
    section = text.split("<!-- section:commands -->", 1)[1].split("<!-- /section:commands -->", 1)[0]
    rows = []
    for line in section.splitlines():
        if not line.startswith("| `/"):
            continue
        cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        usage, help_text, example, answer = cells
        spans = re.findall(r"`([^`]*)`", answer)
        rows.append((usage.strip("`"), help_text, example.strip("`"), spans))
    return rows


def registry_rows() -> list[tuple[str, str]]:
    """(usage, help) of every subcommand, or of the command itself when it has none, in registry order."""
    out = []
    for spec in REGISTRY.all():
        if spec.subcommands:
            out += [(s.usage, s.help) for s in spec.subcommands]
        else:
            out.append((spec.usage, spec.help))
    return out


def example_deps(tmp_path: Path, openai_url: str):
    """The store the README examples run on: both seed digests, a few votes, the seed days' LLM cost."""
    chat = OpenAIChat(model="gpt-5-mini", api_key="sk-example", base_url=openai_url, max_retries=0,
                      price_prompt_per_m=0.25, price_completion_per_m=2.0)
    scorer = LLMScorer(chat)
    deps = make_deps(make_config(tmp_path), clock=FixedClock(ASKED_ON), llm=chat, scorer=scorer,
                     explainer=LLMExplainer(chat), asker=LLMAsker(chat))
    seed_store(deps.store)
    cv = deps.store.sync(criteria_store.ensure_team, TEAM, deps.config.teams[0].criteria)
    key = scores.ScoreKey(TEAM, cv.hash, scorer.name, scorer.prompt_version)
    deps.store.sync(scores.save_scores, key, [seed_score(r) for r in seed_rows() if r["relevance"] is not None])
    for platform, user, arxiv_id in (("console", USER, "2601.18089"), ("console", USER, "2602.04163"),
                                     ("slack", "U024BE7LH", "2602.04163"), ("discord", "80351110224678912",
                                                                            "2602.04163")):
        deps.store.sync(votes.set_vote, team=TEAM, arxiv_id=arxiv_id, platform=platform, user=user, value=1)
    # The two seed digests' real token counts and costs (gpt-5, from their token tables).
    deps.store.sync(scores.record_calls, [CallRecord("score", "gpt-5", 62520, 54902, cost_usd=0.63)], team=TEAM,
                    ref="2026-01-27")
    deps.store.sync(scores.record_calls, [CallRecord("score", "gpt-5", 53923, 46726, cost_usd=0.53)], team=TEAM,
                    ref="2026-02-05")
    return deps, chat


async def run_examples(deps, rows: list[tuple[str, str, str, list[str]]]) -> list[str]:
    """Each row's example run in order, as `paperbot ask` prints it."""
    out = []
    for _, _, example, _ in rows:
        msg = await reply(deps, example, user=USER, platform=PLATFORM)
        out.append(render(msg, fmt="text"))
    return out


def test_the_table_lists_every_command_and_subcommand_of_the_registry() -> None:
    rows = readme_rows()
    assert [(u, h) for u, h, _, _ in rows] == registry_rows()
    for usage, _, example, answer in rows:
        cmd = usage.split()[0]
        assert example.startswith(cmd), (usage, example)
        assert answer, f"no example reply for {usage}"


async def test_every_example_reply_is_what_the_bot_says(tmp_path: Path, openai_server: FakeOpenAI) -> None:
    openai_server.answer = stand_in_model
    deps, chat = example_deps(tmp_path, openai_server.base_url)
    rows = readme_rows()
    try:
        replies = await run_examples(deps, rows)
    finally:
        deps.store.close()
        await chat.aclose()
    for (_, _, example, answer), got in zip(rows, replies, strict=True):
        for line in answer:
            # "…" stands for text left out (the end of a long line, or a timestamp): the rest must be there.
            pattern = r".*?".join(re.escape(part) for part in re.split(r"\s*…\s*", line) if part)
            assert re.search(pattern, got), f"{example!r}: {line!r} not in\n{got}"


def test_the_section_explains_paging_sharing_and_editors() -> None:
    section = README.read_text(encoding="utf-8").split("<!-- section:commands -->", 1)[1]
    section = section.split("<!-- /section:commands -->", 1)[0]
    for words in ("--page N", "`share`", "editors", "manage_guild", "tests/test_readme_commands.py"):
        assert words in section, words


# ---------------------------------------------------------------- regenerating the table
# `python -m tests.test_readme_commands` prints the table to paste between the README's markers:
# each row's example command and which lines of its reply to quote (index into the non-empty lines).
EXAMPLES: dict[str, tuple[str, list[int]]] = {
    "/papers today": ("/papers today", [0, 1, 2]),
    "/papers week": ("/papers week --page 2", [1, -1]),
    "/papers month": ("/papers month", [0, 1, -2]),
    "/papers day YYYY-MM-DD": ("/papers day 2026-01-27", [0, 1, 2]),
    "/papers top [week|month|all]": ("/papers top month", [0, 1, 2]),
    "/papers mine": ("/papers mine", [0, 1, 2]),
    "/papers like <arxiv id>": ("/papers like 2601.18089", [0, 1, 2]),
    "/papers search [--arxiv] <words>": ('/papers search "mixture of experts" routing', [0, 1, 2, -1]),
    "/papers show <arxiv id or URL>": ("/papers show https://arxiv.org/abs/2601.18401", [0, 1, 2, 3, 4, -1]),
    "/papers upvote <arxiv id>": ("/papers upvote 2601.18401", [0]),
    "/papers cost [week|month|all]": ("/papers cost month", [0, 1, 2, 3]),
    "/papers stats [week|month|all]": ("/papers stats month", [0, 1, 4, 5]),
    "/papers export <period> [bibtex|csv]": ("/papers export week csv", [0, 1]),
    "/papers import <file: .bib, .ris or Zotero .csv>": ("/papers import", [0]),
    "/papers help": ("/papers help", [0, 2, 3]),
    "/criteria show": ("/criteria show", [0, -2, -1]),
    "/criteria add topic|keyword|exclude|author|category <value>": ("/criteria add keyword state space models",
                                                                    [0, 1]),
    "/criteria remove topic|keyword|exclude|author|category <value>": (
        "/criteria remove keyword foundation model", [0, 1]),
    "/criteria set relevance|novelty|size <n>": ("/criteria set relevance 9", [0, 1, 2]),
    "/criteria edit [topics text]": ("/criteria edit", [0, 1, 2, -1]),
    "/criteria history": ("/criteria history", [0, 1, 2, 3, 4]),
    "/criteria revert <version>": ("/criteria revert 1", [0, 1, 2, 3]),
    "/criteria preview [days]": ("/criteria preview 2", [0, 1, 2, 3]),
    "/criteria help": ("/criteria help", [0, 2]),
    "/explain <arxiv id or URL> [question]": ("/explain 2601.18089 Does it help inference latency?",
                                              [0, 2, 3, 4, 5, 6, 7]),
    "/ask <arxiv id or URL> <question>": ("/ask 2601.18089 How does it compare with standard MoE?", [0, 1, 2]),
    "/help [command]": ("/help explain", [0, 1, 2]),
}


def _cell(line: str, limit: int = 110) -> str:
    line = re.sub(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", "…", line)  # stored times change on every run
    line = line if len(line) <= limit else line[: limit - 2].rstrip() + " …"
    return "`" + line.replace("|", "\\|") + "`"


async def _table() -> str:
    import tempfile

    server = FakeOpenAI().start()
    server.answer = stand_in_model
    deps, chat = example_deps(Path(tempfile.mkdtemp()), server.base_url)
    rows = [(u, h, EXAMPLES[u][0], []) for u, h in registry_rows()]
    try:
        replies = await run_examples(deps, rows)
    finally:
        deps.store.close()
        await chat.aclose()
        server.stop()
    out = ["| Command | What it does | Example | Reply (abbreviated) |", "| --- | --- | --- | --- |"]
    for (usage, help_text, example, _), got in zip(rows, replies, strict=True):
        lines = [x for x in got.splitlines() if x.strip()]
        quoted = "<br>".join(_cell(lines[i]) for i in EXAMPLES[usage][1] if -len(lines) <= i < len(lines))
        esc = usage.replace("|", "\\|")
        out.append(f"| `{esc}` | {help_text.replace('|', chr(92) + '|')} | `{example}` | {quoted} |")
    return "\n".join(out)


if __name__ == "__main__":
    import asyncio

    print(asyncio.run(_table()))
