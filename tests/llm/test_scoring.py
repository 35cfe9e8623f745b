"""LLMScorer end to end: prompts, batching and the failure policy, through the real openai client."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from bot.core.models import Paper
from bot.llm.scoring import SCORE_SCHEMA, LLMScorer
from tests.fakes.openai_server import (
    PROSE_ENVELOPE,
    TRUNCATED_ENVELOPE,
    FakeOpenAI,
    HTTPError,
    Reply,
    ids_in,
    recorded_content,
    user_prompt,
)
from tests.llm.conftest import CRITERIA, PAPERS, make_papers

# Scores the "model" gives, by id; anything else gets 3/3.
VERDICTS = {"2601.00001": (9, 8), "2601.00002": (8, 7), "2601.00003": (2, 3), "2601.00004": (7, 6)}


def entry(arxiv_id: str) -> dict[str, Any]:
    rel, nov = VERDICTS.get(arxiv_id, (3, 3))
    return {"id": arxiv_id, "comment": f"verdict on {arxiv_id}", "relevance": rel, "novelty": nov}


def answer_all(request: dict[str, Any]) -> str:
    """A well-behaved model: one entry for every paper in the prompt."""
    return json.dumps({"papers": [entry(i) for i in ids_in(request)]})


def answer_all_but(*skipped: str):
    def answer(request: dict[str, Any]) -> str:
        return json.dumps({"papers": [entry(i) for i in ids_in(request) if i not in skipped]})
    return answer


def by_id(result) -> dict[str, tuple[float | None, float | None]]:
    return {s.arxiv_id: (s.relevance, s.novelty) for s in result.scores}


async def test_a_normal_batch(openai_server: FakeOpenAI, make_chat) -> None:
    openai_server.answer = answer_all
    chat = make_chat(price_prompt_per_m=1.0, price_completion_per_m=4.0)
    scorer = LLMScorer(chat)
    result = await scorer.score(PAPERS, CRITERIA, team="ml")
    assert by_id(result) == VERDICTS
    assert [s.arxiv_id for s in result.scores] == [p.arxiv_id for p in PAPERS]  # input order
    assert result.unscored == ()
    assert {s.scorer for s in result.scores} == {"llm:gpt-4o-mini"}
    assert result.scores[0].comment == "verdict on 2601.00001"
    (call,) = result.calls
    # The recorded envelope's usage: 79 prompt and 14 completion tokens.
    assert (call.ok, call.error, call.purpose, call.model) == (True, "", "score", "gpt-4o-mini")
    assert (call.prompt_tokens, call.completion_tokens) == (79, 14)
    assert call.cost_usd == pytest.approx((79 * 1.0 + 14 * 4.0) / 1e6)
    assert call.prompt_chars == sum(len(m["content"]) for m in openai_server.requests[0]["messages"])
    assert call.completion_chars == len(answer_all(openai_server.requests[0]))


async def test_request_carries_the_strict_json_schema(openai_server: FakeOpenAI, make_chat) -> None:
    openai_server.answer = answer_all
    await LLMScorer(make_chat()).score(PAPERS[:1], CRITERIA)
    fmt = openai_server.requests[0]["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"] == SCORE_SCHEMA
    assert fmt["json_schema"]["strict"] is True
    item = fmt["json_schema"]["schema"]["properties"]["papers"]["items"]
    assert set(item["required"]) == {"id", "relevance", "novelty", "comment"}


async def test_prompt_has_criteria_first_then_every_paper(openai_server: FakeOpenAI, make_chat) -> None:
    openai_server.answer = answer_all
    await LLMScorer(make_chat()).score(PAPERS, CRITERIA)
    system, user = (m["content"] for m in openai_server.requests[0]["messages"])
    assert "Relevance" in system and "Novelty" in system
    for text in ("Mixture-of-Experts", "Relevant keywords: MoE, Sparsity, Quantization",
                 "Excluded (not wanted): Reinforcement Learning, Medical Imaging", "Watched authors: Ada Lovelace"):
        assert text in user
    criteria_end = user.index("Watched authors")
    for p in PAPERS:
        line = f"[{p.arxiv_id}] {p.title}\n"
        assert line in user and user.index(line) > criteria_end
        assert p.abstract in user  # short abstracts are sent whole
    assert "cutoff" not in user.lower() and "cut-off" not in user.lower()
    assert ids_in(openai_server.requests[0]) == [p.arxiv_id for p in PAPERS]


async def test_json_schema_rejected_falls_back_to_json_object(openai_server: FakeOpenAI, make_chat) -> None:
    openai_server.reject_formats = {"json_schema"}
    openai_server.answer = answer_all
    chat = make_chat()
    result = await LLMScorer(chat, batch_size=2, concurrency=1).score(PAPERS, CRITERIA)
    assert by_id(result) == VERDICTS
    kinds = [r["response_format"]["type"] for r in openai_server.requests]
    assert kinds == ["json_schema", "json_object", "json_object"]  # the downgrade is remembered
    assert len(result.calls) == 2 and all(c.ok for c in result.calls)


async def test_malformed_answer_is_retried_then_split(openai_server: FakeOpenAI, make_chat) -> None:
    prose = Reply(envelope=PROSE_ENVELOPE)  # the recorded non-JSON answer
    openai_server.push(prose, prose)
    openai_server.answer = answer_all
    result = await LLMScorer(make_chat(), concurrency=1).score(PAPERS, CRITERIA)
    assert by_id(result) == VERDICTS and result.unscored == ()
    sent = [ids_in(r) for r in openai_server.requests]
    ids = [p.arxiv_id for p in PAPERS]
    assert sent == [ids, ids, ids[:2], ids[2:]]  # batch, retry, then halves
    assert [c.ok for c in result.calls] == [False, False, True, True]
    assert result.calls[0].error == "malformed answer: 4 of 4 papers without a score"
    assert recorded_content(PROSE_ENVELOPE).startswith("I'm unable")


async def test_truncated_answer_keeps_complete_entries_and_asks_for_the_rest(
    openai_server: FakeOpenAI, make_chat
) -> None:
    full = answer_all({"messages": [{"role": "user", "content": "\n".join(f"[{p.arxiv_id}] t" for p in PAPERS)}]})
    cut = full[: full.index('"2601.00003"') + 5]  # cut off mid-entry, as at the token limit
    openai_server.push(Reply(cut, envelope=TRUNCATED_ENVELOPE))
    openai_server.answer = answer_all
    result = await LLMScorer(make_chat()).score(PAPERS, CRITERIA)
    assert by_id(result) == VERDICTS
    assert ids_in(openai_server.requests[1]) == ["2601.00003", "2601.00004"]
    assert result.calls[0].error == "truncated answer (finish_reason=length): 2 of 4 papers without a score"


async def test_recorded_length_cutoff_with_nothing_usable(openai_server: FakeOpenAI, make_chat) -> None:
    openai_server.push(Reply(envelope=TRUNCATED_ENVELOPE))  # content '{"', finish_reason "length"
    openai_server.answer = answer_all
    result = await LLMScorer(make_chat()).score(PAPERS[:2], CRITERIA)
    assert set(by_id(result)) == {"2601.00001", "2601.00002"}
    assert len(openai_server.requests) == 2 and not result.calls[0].ok


async def test_missing_paper_is_retried_alone(openai_server: FakeOpenAI, make_chat) -> None:
    openai_server.push(answer_all_but("2601.00003")({"messages": [{"role": "user", "content": "\n".join(
        f"[{p.arxiv_id}] t" for p in PAPERS)}]}))
    openai_server.answer = answer_all
    result = await LLMScorer(make_chat()).score(PAPERS, CRITERIA)
    assert by_id(result) == VERDICTS
    assert ids_in(openai_server.requests[1]) == ["2601.00003"]
    assert "2601.00001" not in user_prompt(openai_server.requests[1])
    assert result.calls[0].error == "answer incomplete: 1 of 4 papers without a score"


async def test_a_paper_that_never_gets_a_score_is_unscored_not_dropped(
    openai_server: FakeOpenAI, make_chat
) -> None:
    openai_server.answer = answer_all_but("2601.00004")
    result = await LLMScorer(make_chat()).score(PAPERS, CRITERIA)
    assert result.unscored == ("2601.00004",)
    assert set(by_id(result)) == {"2601.00001", "2601.00002", "2601.00003"}
    assert len(openai_server.requests) == 2  # the batch, then one retry for that paper


async def test_a_stubborn_batch_is_split_down_to_single_papers(openai_server: FakeOpenAI, make_chat) -> None:
    # A model that only ever answers for one paper at a time.
    openai_server.answer = lambda req: answer_all(req) if len(ids_in(req)) == 1 else "sorry"
    papers = make_papers(8)
    result = await LLMScorer(make_chat()).score(papers, CRITERIA)
    assert result.unscored == () and len(result.scores) == 8
    assert sorted(len(ids_in(r)) for r in openai_server.requests) == [1] * 8 + [2] * 4 + [4] * 2 + [8, 8]
    assert len(result.calls) == len(openai_server.requests) == 16


async def test_unknown_ids_in_the_answer_are_ignored(openai_server: FakeOpenAI, make_chat) -> None:
    def answer(req: dict[str, Any]) -> str:
        return json.dumps({"papers": [entry(i) for i in ids_in(req)] + [entry("2601.99999")]})
    openai_server.answer = answer
    result = await LLMScorer(make_chat()).score(PAPERS, CRITERIA)
    assert set(by_id(result)) == set(VERDICTS)
    assert len(result.scores) == 4


async def test_anchor_style_jsonl_without_structured_output(openai_server: FakeOpenAI, make_chat) -> None:
    def jsonl(req: dict[str, Any]) -> str:
        lines = [json.dumps({"ARXIVID": i, "COMMENT": "c\nsecond line", "RELEVANCE": str(VERDICTS[i][0]),
                             "NOVELTY": VERDICTS[i][1]}) for i in ids_in(req)]
        return "```jsonl\n" + "\n".join(lines) + "\n```"
    openai_server.answer = jsonl
    result = await LLMScorer(make_chat(json_mode="none")).score(PAPERS, CRITERIA)
    assert by_id(result) == VERDICTS
    assert result.scores[0].comment == "c second line"
    assert "response_format" not in openai_server.requests[0]


async def test_batches_run_concurrently_up_to_the_limit(openai_server: FakeOpenAI, make_chat) -> None:
    openai_server.answer = lambda req: Reply(answer_all(req), delay=0.05)
    papers = make_papers(40)
    result = await LLMScorer(make_chat(), batch_size=8, concurrency=2).score(papers, CRITERIA)
    assert len(result.scores) == 40 and len(result.calls) == 5
    assert sorted(len(ids_in(r)) for r in openai_server.requests) == [8] * 5
    assert openai_server.max_in_flight == 2


async def test_server_down_leaves_papers_unscored_with_a_failed_record(
    openai_server: FakeOpenAI, make_chat
) -> None:
    openai_server.answer = lambda req: HTTPError.server_error(500)
    scorer = LLMScorer(make_chat(max_retries=1))
    result = await scorer.score(PAPERS, CRITERIA)
    assert result.scores == () and result.unscored == tuple(p.arxiv_id for p in PAPERS)
    (call,) = result.calls
    assert not call.ok and call.error == "OpenAI: server error (500)"
    assert call.prompt_chars > 0 and call.prompt_tokens == 0 and call.cost_usd == 0
    assert scorer.last_error is not None and scorer.last_error.service == "OpenAI"
    assert len(openai_server.requests) == 2  # the SDK's one retry, then we stop


async def test_failure_midway_keeps_what_was_scored_and_stops(openai_server: FakeOpenAI, make_chat) -> None:
    openai_server.push(answer_all({"messages": [{"role": "user", "content": "\n".join(
        f"[{p.arxiv_id}] t" for p in make_papers(4))}]}))
    openai_server.answer = lambda req: HTTPError.server_error(503)
    papers = make_papers(12)
    result = await LLMScorer(make_chat(), batch_size=4, concurrency=1).score(papers, CRITERIA)
    assert [s.arxiv_id for s in result.scores] == [p.arxiv_id for p in papers[:4]]
    assert result.unscored == tuple(p.arxiv_id for p in papers[4:])
    assert [c.ok for c in result.calls] == [True, False]
    assert len(openai_server.requests) == 2  # no call after the server failed


async def test_rate_limit_then_ok_scores_everything(openai_server: FakeOpenAI, make_chat) -> None:
    openai_server.push(HTTPError.rate_limited(retry_after="0.1"))
    openai_server.answer = answer_all
    result = await LLMScorer(make_chat(max_retries=2)).score(PAPERS, CRITERIA)
    assert by_id(result) == VERDICTS and len(result.calls) == 1 and len(openai_server.requests) == 2


async def test_missing_usage_gives_estimated_tokens(openai_server: FakeOpenAI, make_chat) -> None:
    openai_server.omit_usage = True
    openai_server.answer = answer_all
    result = await LLMScorer(make_chat()).score(PAPERS, CRITERIA)
    (call,) = result.calls
    assert call.prompt_tokens == math.ceil(call.prompt_chars / 4)
    assert call.completion_tokens == math.ceil(call.completion_chars / 4)


async def test_duplicates_are_scored_once_and_comments_are_one_short_line(
    openai_server: FakeOpenAI, make_chat
) -> None:
    openai_server.answer = lambda req: json.dumps(
        {"papers": [dict(entry(i), comment="first\nsecond " + "y" * 400) for i in ids_in(req)]})
    result = await LLMScorer(make_chat()).score([PAPERS[0], PAPERS[0], PAPERS[1]], CRITERIA)
    assert ids_in(openai_server.requests[0]) == ["2601.00001", "2601.00002"]
    assert len(result.scores) == 2
    comment = result.scores[0].comment
    assert "\n" not in comment and len(comment) <= 200 and comment.startswith("first second y")


async def test_nothing_to_score_makes_no_call(openai_server: FakeOpenAI, make_chat) -> None:
    result = await LLMScorer(make_chat()).score([], CRITERIA)
    assert result.scores == () and result.unscored == () and result.calls == ()
    assert openai_server.requests == []


def test_name_and_prompt_version() -> None:
    from bot.llm.client import OpenAIChat

    chat = OpenAIChat(model="gpt-5-mini", api_key="k")
    a, b = LLMScorer(chat), LLMScorer(chat, max_abstract_chars=800)
    assert a.name == "llm:gpt-5-mini"
    assert len(a.prompt_version) == 12 and a.prompt_version != b.prompt_version
    assert a.prompt_version == LLMScorer(chat, batch_size=4).prompt_version  # batching is not content


def test_long_abstracts_are_trimmed_but_keep_most_words() -> None:
    from bot.llm.client import OpenAIChat
    from bot.llm.compact import distinct_words

    abstract = " ".join(f"Sentence {i} adds idea{i} to the method." for i in range(200))
    paper = Paper("2601.00009", "Long", abstract)
    _, user = LLMScorer(OpenAIChat(model="m", api_key="k"), max_abstract_chars=600).build_prompt([paper], CRITERIA)
    shown = user.split("[2601.00009] Long\n", 1)[1]
    assert len(shown) < len(abstract)
    assert len(distinct_words(shown) & distinct_words(abstract)) >= 0.6 * len(distinct_words(abstract))
