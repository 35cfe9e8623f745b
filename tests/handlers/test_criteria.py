"""/criteria: validated, permission-checked, versioned changes; history, revert, and a free preview."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest

from bot.core.message import Form
from bot.core.models import Request
from bot.llm.client import OpenAIChat
from bot.llm.scoring import LLMScorer
from handlers.permissions import can_edit
from storage import criteria as criteria_store
from storage import scores
from storage.db import Store
from tests.fakes.openai_server import FakeOpenAI
from tests.handlers.seeding import (  # noqa: F401
    TEAM,
    ask,
    no_llm_env,
    reply,
    run,
    seed_rows,
    seed_score,
    seed_store,
    write_config,
)
from tests.support import make_config, make_deps


@pytest.fixture
def deps(tmp_path: Path):
    d = make_deps(make_config(tmp_path))
    seed_store(d.store)
    d.store.sync(criteria_store.ensure_team, TEAM, d.config.teams[0].criteria)  # version 1, from the config
    yield d
    d.store.close()


def _versions(deps) -> list[criteria_store.CriteriaVersion]:
    return deps.store.sync(criteria_store.history, TEAM)


def _current(deps):
    return deps.store.sync(criteria_store.current_criteria, TEAM)


# ---------------------------------------------------------------- show and changes


async def test_show_the_current_criteria(deps) -> None:
    text = await run(deps, "/criteria")
    assert text.startswith("== Criteria of foundations — version 1 ==\n\nTopics\n\nUse the following relevance")
    assert "Authors: Yoshua Bengio · Categories: cs.LG, cs.AI · Cut-offs: relevance ≥ 8 · novelty ≥ 7" in text
    assert "Last change by config" in text
    assert await run(deps, "/criteria show") == text


@pytest.mark.parametrize(("line", "field", "value", "change"), [
    ("/criteria add keyword expert routing", "keywords", "expert routing", "add keyword: expert routing"),
    ('/criteria add keyword "state space models"', "keywords", "state space models", "add keyword: state space models"),
    ("/criteria add exclude medical imaging", "exclude", ("medical imaging",), "add exclude: medical imaging"),
    ("/criteria add author Geoffrey Hinton", "authors", ("Yoshua Bengio", "Geoffrey Hinton"),
     "add author: Geoffrey Hinton"),
    ("/criteria add category stat.ML", "categories", ("cs.LG", "cs.AI", "stat.ML"), "add category: stat.ML"),
    ("/criteria add category cs.cl", "categories", ("cs.LG", "cs.AI", "cs.CL"), "add category: cs.CL"),
    ("/criteria remove keyword MoE", "keywords", None, "remove keyword: MoE"),
    ("/criteria remove author yoshua bengio", "authors", (), "remove author: yoshua bengio"),
    ("/criteria remove category cs.AI", "categories", ("cs.LG",), "remove category: cs.AI"),
    ("/criteria set relevance 9", "relevance_cutoff", 9, "set relevance cut-off: 8 → 9"),
    ("/criteria set novelty 5", "novelty_cutoff", 5, "set novelty cut-off: 7 → 5"),
    ("/criteria set size 5", "digest_size", 5, "set digest size: 10 → 5"),
])
async def test_a_change_is_saved_as_a_new_version(deps, line, field, value, change) -> None:
    before = _current(deps).criteria
    text = await run(deps, line, user="U42")
    v = _current(deps)
    assert text.startswith(f"Saved version 2 of the criteria of foundations: {change}.")
    assert (v.version, v.author, v.change) == (2, "slack:U42", change)
    got = getattr(v.criteria, field)
    if field == "keywords" and value is not None:
        assert got == (*before.keywords, value)
    elif field == "keywords":
        assert "MoE" not in got and len(got) == len(before.keywords) - 1
    else:
        assert got == value
    assert v.hash == criteria_store.criteria_hash(v.criteria)


async def test_topics_lines_add_and_remove(deps) -> None:
    await run(deps, "/criteria add topic State space models as an alternative to attention")
    topics = _current(deps).criteria.topics
    assert topics.endswith("\n- State space models as an alternative to attention")
    assert "- + topic: State space models" in await run(deps, "/criteria history")
    await run(deps, "/criteria remove topic state space models as an alternative to attention")
    assert _current(deps).criteria.topics == _versions(deps)[0].criteria.topics
    assert len(_versions(deps)) == 3


@pytest.mark.parametrize(("line", "error"), [
    ("/criteria add category cs.XX", "'cs.XX' is not an arXiv category."),
    ("/criteria add category machine-learning", "'machine-learning' is not an arXiv category."),
    ("/criteria set relevance 42", "The relevance cut-off must be a whole number from 1 to 10, not '42'."),
    ("/criteria set novelty 0", "The novelty cut-off must be a whole number from 1 to 10, not '0'."),
    ("/criteria set novelty seven", "The novelty cut-off must be a whole number from 1 to 10, not 'seven'."),
    ("/criteria set size 500", "The digest size must be a whole number from 1 to 50, not '500'."),
    ("/criteria set speed 3", "Use /criteria set relevance|novelty <1-10>, or /criteria set size <1-50>."),
    ("/criteria add topic", "The topic to add is empty: /criteria add topic <value>."),
    ('/criteria add topic ""', "The topic to add is empty: /criteria add topic <value>."),
    ("/criteria add keyword moe", "'moe' is already a keyword."),
    ("/criteria add keyword   Mixture   of Experts", "'Mixture of Experts' is already a keyword."),
    ("/criteria add category cs.LG", "'cs.LG' is already a category."),
    ("/criteria remove keyword transformers", "'transformers' is not among the keywords (now: Mixture of Experts,"),
    ("/criteria remove author Nobody", "'Nobody' is not among the authors (now: Yoshua Bengio)."),
    ("/criteria remove exclude diffusion", "'diffusion' is not among the exclude (now: none)."),
    ("/criteria remove topic Quantum chemistry", "No topic line reads 'Quantum chemistry'."),
    ("/criteria add colour blue", "What should I add? Use /criteria add topic|keyword|exclude|author|category"),
    ("/criteria add keyword " + "x" * 201, "That keyword is too long (201 characters)."),
    ("/criteria revert 9", "foundations has no criteria version 9: see /criteria history."),
    ("/criteria revert latest", "Give the version number to go back to, e.g. /criteria revert 3"),
])
async def test_invalid_values_change_nothing(deps, line: str, error: str) -> None:
    text = await run(deps, line)
    assert text.startswith(error), text
    assert "\nUsage: /criteria " in text
    assert len(_versions(deps)) == 1


async def test_the_criteria_need_topics_or_keywords(deps) -> None:
    await run(deps, "/criteria edit Only this line.")
    for kw in _current(deps).criteria.keywords:
        await run(deps, f"/criteria remove keyword {kw}")
    assert _current(deps).criteria.keywords == ()
    text = await run(deps, "/criteria remove topic Only this line.")
    assert text.startswith("The criteria need topics or keywords: this would leave neither.")


async def test_setting_the_same_value_saves_nothing(deps) -> None:
    assert await run(deps, "/criteria set relevance 8") == (
        "Nothing changed: the criteria of foundations already say that (version 1).")
    assert len(_versions(deps)) == 1


async def test_edit_replaces_the_topics(deps) -> None:
    text = "Sparse mixture-of-experts.\nQuantization of large models."
    await run(deps, "/criteria edit " + text)
    v = _current(deps)
    assert v.criteria.topics == text and v.change == "edit topics"
    history = await run(deps, "/criteria history")
    assert "- + topic: Sparse mixture-of-experts." in history
    assert "- - topic: Use the following relevance criteria" in history


async def test_edit_without_text_returns_a_form_with_the_current_topics(deps) -> None:
    msg = await reply(deps, "/criteria edit")
    topics = _current(deps).criteria.topics
    assert msg.form == Form(title="Edit research topics", label="Topics the scorer reads (free text)",
                            initial=topics, submit_command="/criteria edit")
    assert len(_versions(deps)) == 1
    # The platform submits the form by running the command with the text appended.
    await run(deps, f"{msg.form.submit_command} {topics}\n- Mixture-of-depths")
    assert _current(deps).criteria.topics.endswith("- Mixture-of-depths")


async def test_edit_rejects_too_long_topics(deps) -> None:
    assert (await run(deps, "/criteria edit " + "word " * 700)).startswith(
        "The topics are 3499 characters long; the limit is 3000.")
    assert len(_versions(deps)) == 1


# ---------------------------------------------------------------- permissions


def _editors(tmp_path: Path, *editors: str):
    config = make_config(tmp_path, team={"editors": list(editors)})
    d = make_deps(config)
    seed_store(d.store)
    return d


@pytest.mark.parametrize(("platform", "user", "roles", "admin", "allowed"), [
    ("slack", "UED", (), False, True),
    ("slack", "U2", (), False, False),
    ("discord", "UED", (), False, False),  # the same id on another platform is another person
    ("discord", "456", (), False, True),
    ("discord", "789", ("Leads",), False, True),
    ("discord", "789", ("leads",), False, True),
    ("discord", "789", ("Members",), False, False),
    ("discord", "789", (), True, True),  # Manage Server, as the Discord adapter reports it
    ("discord", "789", ("manage_guild",), False, False),  # a role merely NAMED like a permission
    ("discord", "789", ("Admin",), False, False),
    ("slack", "U3", ("Leads",), False, False),  # a Discord role name means nothing on Slack
    ("console", "alice", (), False, True),
    ("console", "bob", (), False, False),
])
def test_can_edit_policy(tmp_path: Path, platform, user, roles, admin, allowed) -> None:
    team = make_config(tmp_path, team={"editors": ["slack:UED", "discord:456", "discord-role:Leads",
                                                   "console:alice"]}).teams[0]
    r = Request(platform=platform, team=TEAM, channel="C", user=user, text="", roles=roles, is_admin=admin)
    assert can_edit(team, r) is allowed


def test_everyone_may_edit_when_there_are_no_editors(tmp_path: Path) -> None:
    team = make_config(tmp_path).teams[0]
    assert can_edit(team, Request(platform="slack", team=TEAM, channel="C", user="anyone", text=""))


async def test_an_editor_changes_and_a_non_editor_is_refused(tmp_path: Path) -> None:
    deps = _editors(tmp_path, "slack:UED", "discord-role:Leads")
    try:
        refused = await run(deps, "/criteria add keyword routing", user="U2")
        form = await reply(deps, "/criteria edit", user="U2")
        reverted = await run(deps, "/criteria revert 1", user="U2")
        shown = await run(deps, "/criteria show", user="U2")  # anyone may look
        done = await run(deps, "/criteria add keyword routing", user="UED")
        by_role = await run(deps, "/criteria set size 7", user="999", platform="discord", roles=("Leads",))
        by_manager = await run(deps, "/criteria set size 8", user="998", platform="discord", is_admin=True)
        versions = _versions(deps)
    finally:
        deps.store.close()
    assert refused.startswith("Only the editors of team foundations may change the criteria. "
                              "Editors: slack:UED, discord-role:Leads.")
    assert form.form is None and "Only the editors" in form.fallback
    assert reverted.startswith("Only the editors")
    assert shown.startswith("== Criteria of foundations")
    assert done.startswith("Saved version 2") and by_role.startswith("Saved version 3")
    assert by_manager.startswith("Saved version 4")
    assert [v.author for v in versions] == ["config", "slack:UED", "discord:999", "discord:998"]


# ---------------------------------------------------------------- history and revert


async def test_history_numbers_versions_with_who_when_and_the_diff(deps) -> None:
    await run(deps, "/criteria add keyword routing", user="U1")
    await run(deps, "/criteria set relevance 9", user="U2", platform="discord")
    text = await run(deps, "/criteria history")
    lines = text.splitlines()
    assert lines[0] == "== Criteria history of foundations — 3 versions =="
    v3 = next(i for i, line in enumerate(lines) if line.startswith("v3 · "))
    assert lines[v3].startswith("v3 · discord:U2 · 20") and lines[v3].endswith("UTC · set relevance cut-off: 8 → 9")
    assert lines[v3 + 2] == "- relevance cut-off: 8 → 9"
    assert any(line.startswith("v2 · slack:U1 · ") for line in lines) and "- + keyword: routing" in lines
    assert any(line.startswith("v1 · config · ") and line.endswith("initial criteria from config.toml")
               for line in lines)
    assert text.index("v3 ·") < text.index("v2 ·") < text.index("v1 ·")  # newest first


async def test_history_pages(deps) -> None:
    for n in range(1, 12):
        await run(deps, f"/criteria add keyword kw{n}")
    first = await reply(deps, "/criteria history")
    assert first.actions[0].command == "/criteria history --page 2"
    second = await run(deps, "/criteria history --page 2")
    assert "v2 · " in second and "v1 · " in second and "v12 · " not in second


async def test_revert_saves_a_new_version_equal_to_the_old_one(deps) -> None:
    await run(deps, "/criteria add keyword routing")
    await run(deps, "/criteria set novelty 5")
    text = await run(deps, "/criteria revert 1", user="U5")
    versions = _versions(deps)
    assert text.startswith("Saved version 4 of the criteria of foundations: revert to version 1.")
    assert "- - keyword: routing" in text and "- novelty cut-off: 5 → 7" in text
    assert [v.version for v in versions] == [1, 2, 3, 4]
    assert versions[3].criteria == versions[0].criteria and versions[3].hash == versions[0].hash
    assert (versions[3].author, versions[3].change) == ("slack:U5", "revert to version 1")
    assert await run(deps, "/criteria revert v4") == (
        "Nothing changed: the criteria of foundations already say that (version 4).")


# ---------------------------------------------------------------- preview


@pytest.fixture
async def scored(tmp_path: Path, openai_server: FakeOpenAI):
    """Deps with an LLM scorer (at the fake server) whose scores of the seed papers are cached."""
    chat = OpenAIChat(model="gpt-5", api_key="sk-test", base_url=openai_server.base_url, max_retries=0)
    scorer = LLMScorer(chat)
    deps = make_deps(make_config(tmp_path), llm=chat, scorer=scorer)
    seed_store(deps.store)
    cv = deps.store.sync(criteria_store.ensure_team, TEAM, deps.config.teams[0].criteria)
    key = scores.ScoreKey(TEAM, cv.hash, scorer.name, scorer.prompt_version)
    deps.store.sync(scores.save_scores, key, [replace(seed_score(r), scorer=scorer.name) for r in seed_rows()
                                              if r["relevance"] is not None])
    yield deps
    deps.store.close()
    await chat.aclose()


async def test_preview_of_unchanged_criteria_matches_what_was_posted(scored, openai_server: FakeOpenAI) -> None:
    text = await run(scored, "/criteria preview")
    assert text.startswith("== Criteria preview for foundations — last 2 digest days ==")
    assert "2026-02-05: would pick 37 of 37 (posted 37) — same picks as posted" in text
    assert "2026-01-27: would pick 37 of 37 (posted 37) — same picks as posted" in text
    assert "73 scores from the LLM cache, 0 from the local ranker" in text and "no LLM call, no cost" in text
    assert openai_server.requests == []


async def test_preview_shows_what_a_stricter_cutoff_drops(scored, openai_server: FakeOpenAI) -> None:
    await run(scored, "/criteria set relevance 10")
    await run(scored, "/criteria set novelty 9")
    text = await run(scored, "/criteria preview 1")
    nines = [r for r in seed_rows() if r["digest_date"] == "2026-02-05" and r["relevance"] == 10
             and r["novelty"] == 9]
    assert len(nines) == 2
    # The two 10/9 papers, plus the watched author's paper, which always makes it.
    assert "2026-02-05: would pick 3 of 37 (posted 37) — +0 / −34" in text
    assert "− Online Vector Quantized Attention <https://arxiv.org/abs/2602.03922> (2602.03922)" in text
    assert "… and 29 more" in text
    assert "2026-01-27" not in text
    assert openai_server.requests == []


async def test_preview_after_a_topic_change_uses_the_local_ranker(scored, openai_server: FakeOpenAI) -> None:
    await run(scored, "/criteria add keyword protein folding")
    text = await run(scored, "/criteria preview 2")
    assert "0 scores from the LLM cache, 73 from the local ranker (local:criteria, approximate)" in text
    assert "would pick" in text and openai_server.requests == []


async def test_preview_checks_its_argument(deps) -> None:
    assert (await run(deps, "/criteria preview 0")).startswith("Give a number of digest days from 1 to 30")
    assert (await run(deps, "/criteria preview many")).startswith("Give a number of digest days from 1 to 30")


async def test_preview_without_digests(tmp_path: Path) -> None:
    deps = make_deps(make_config(tmp_path))
    try:
        text = await run(deps, "/criteria preview")
    finally:
        deps.store.close()
    assert "No digest is stored yet, so there is nothing to compare against." in text


# ---------------------------------------------------------------- through `paperbot ask`


@pytest.mark.usefixtures("no_llm_env")
def test_criteria_through_paperbot_ask(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "paperbot.db")
    seed_store(store)
    store.close()
    config = write_config(tmp_path, editors=["console:alice"])
    assert ask(config, "/criteria").startswith("== Criteria of foundations — version 1 ==")
    assert ask(config, "/criteria add keyword routing", user="bob").startswith(
        "Only the editors of team foundations may change the criteria. Editors: console:alice.")
    assert ask(config, "/criteria add keyword routing", user="alice").startswith(
        "Saved version 2 of the criteria of foundations: add keyword: routing.")
    assert ask(config, "/criteria remove keyword routing", user="alice").startswith("Saved version 3")
    assert ask(config, "/criteria set size 12", user="alice").startswith("Saved version 4")
    assert ask(config, "/criteria edit Sparse experts.", user="alice").startswith("Saved version 5")
    form = ask(config, "/criteria edit", user="alice")
    assert "Topics the scorer reads (free text):\nSparse experts.\n(submit with: /criteria edit <text>)" in form
    assert ask(config, "/criteria revert 1", user="alice").startswith("Saved version 6")
    history = ask(config, "/criteria history")
    assert "v6 · console:alice · " in history and "revert to version 1" in history
    assert "would pick" in ask(config, "/criteria preview 1")
    assert "- /criteria revert <version>" in ask(config, "/criteria help")


async def test_two_edits_at_once_never_lose_one_silently(deps) -> None:
    # Both editors read version 1, then both save: the second save must not drop the first one's keyword.
    first, second = await asyncio.gather(run(deps, "/criteria add keyword routing", user="U1"),
                                         run(deps, "/criteria add keyword weight tying", user="U2"))
    keywords = _current(deps).criteria.keywords
    assert first.startswith("Saved version 2")
    if second.startswith("Saved version"):
        assert "routing" in keywords and "weight tying" in keywords
    else:  # told to try again, and nothing was saved for it
        assert "changed while" in second and "weight tying" not in keywords
        assert [v.version for v in _versions(deps)] == [1, 2]


async def test_revert_to_an_absurd_version_number_is_a_plain_answer(deps) -> None:
    text = await run(deps, "/criteria revert 99999999999999999999")
    assert text.startswith("foundations has no criteria version 99999999999999999999")
