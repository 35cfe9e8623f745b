"""The selection pipeline with the real LLMScorer and OpenAI client against a local fake OpenAI server."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from bot.core.models import Criteria, Paper, Score
from bot.core.selection import passes_cutoffs
from bot.core.team_model import TeamModel
from bot.llm.client import OpenAIChat
from bot.llm.scoring import LLMScorer
from handlers import selection
from handlers.selection import select
from tests.core.selection_data import CRITERIA, background, bench_days, learned, picks
from tests.fakes.openai_server import FakeOpenAI, HTTPError, ids_in

DAY1, DAY2 = "2026-01-27", "2026-02-05"
AUTHOR_MATCH = "2602.04119"  # Yoshua Bengio is a co-author; the default criteria watch him


def judge(picked: set[str], *, silent: frozenset[str] = frozenset()) -> Callable[[dict[str, Any]], str]:
    """A model that likes `picked` (9/8), dislikes the rest (3/3), and never answers for `silent`."""

    def answer(request: dict[str, Any]) -> str:
        rows = [{"id": i, "comment": "MoE match" if i in picked else "no close match",
                 "relevance": 9 if i in picked else 3, "novelty": 8 if i in picked else 3}
                for i in ids_in(request) if i not in silent]
        return json.dumps({"papers": rows})

    return answer


def sent_ids(server: FakeOpenAI) -> list[str]:
    """Every paper id the LLM was shown, over all requests, in order."""
    return [i for req in server.requests for i in ids_in(req)]


@pytest.fixture
async def scorer(openai_server: FakeOpenAI) -> AsyncIterator[LLMScorer]:
    """The real LLMScorer over the real OpenAIChat, aimed at the fake server."""
    chat = OpenAIChat(model="gpt-4o-mini", api_key="sk-test", base_url=openai_server.base_url, max_retries=0,
                      timeout_s=5)
    yield LLMScorer(chat, batch_size=8, concurrency=2, max_abstract_chars=600)
    await chat.aclose()


def day(n_picks: int, n_background: int, *, when: str = DAY1) -> tuple[list[Paper], set[str]]:
    """A day of real seed picks and real background papers, and the ids of the picks."""
    good = picks(when)[:n_picks]
    return [*good, *background()[:n_background]], {p.arxiv_id for p in good}


async def test_llm_scores_every_paper_once_and_ranks_the_picks(openai_server: FakeOpenAI, scorer: LLMScorer) -> None:
    papers, good = day(6, 6)
    openai_server.answer = judge(good)
    sel = await select(papers, CRITERIA, scorer=scorer)
    assert sorted(sent_ids(openai_server)) == sorted(p.arxiv_id for p in papers)  # each paper shown once
    assert [p.paper.arxiv_id for p in sel.picks] == sorted(good)  # equal scores: the id decides
    assert all(sel.status[p.arxiv_id] == selection.STATUS_LLM for p in papers)
    assert sel.scores[next(iter(good))].comment == "MoE match" and sel.scorer == "llm:gpt-4o-mini"
    assert len(sel.calls) == len(openai_server.requests) == 2 and sel.usage.calls == 2
    assert sel.usage.prompt_tokens > 0 and not sel.unscored
    assert sel.prefilter.decided_locally == 0 and "small day" in sel.prefilter.reason
    # The prompt shows the criteria first, then each paper as "[id] title" and its abstract.
    prompt = openai_server.requests[0]["messages"][-1]["content"]
    first = next(p for p in papers if p.arxiv_id == ids_in(openai_server.requests[0])[0])
    assert prompt.index("Mixture-of-Experts") < prompt.index(f"[{first.arxiv_id}] {first.title}")
    assert first.abstract[:80] in prompt


async def test_cached_scores_cost_zero_calls(openai_server: FakeOpenAI, scorer: LLMScorer) -> None:
    papers, good = day(5, 5)
    openai_server.answer = judge(good)
    first = await select(papers, CRITERIA, scorer=scorer)
    n = len(openai_server.requests)
    again = await select(papers, CRITERIA, scorer=scorer, cached=first.scores)
    assert len(openai_server.requests) == n and again.calls == () and again.usage.calls == 0
    assert [p.paper.arxiv_id for p in again.picks] == [p.paper.arxiv_id for p in first.picks]
    assert set(again.status.values()) == {selection.STATUS_CACHED}


async def test_papers_without_an_answer_are_reported_not_dropped(openai_server: FakeOpenAI,
                                                                  scorer: LLMScorer) -> None:
    papers, good = day(4, 4)
    mute = frozenset({papers[0].arxiv_id, papers[5].arxiv_id})
    openai_server.answer = judge(good, silent=mute)
    sel = await select(papers, CRITERIA, scorer=scorer)
    assert set(sel.unscored) == mute
    assert all(sel.status[i] == selection.STATUS_UNSCORED and i not in sel.scores for i in mute)
    assert {p.paper.arxiv_id for p in sel.picks} == good - mute
    assert len(sel.status) == len(papers)  # every paper accounted for
    assert any(not c.ok for c in sel.calls)


async def test_llm_down_leaves_everything_unscored(openai_server: FakeOpenAI, scorer: LLMScorer) -> None:
    papers, _ = day(3, 3)
    openai_server.answer = lambda req: HTTPError.server_error(503)
    sel = await select(papers, CRITERIA, scorer=scorer)
    assert set(sel.unscored) == {p.arxiv_id for p in papers} and sel.picks == ()
    assert sel.calls and not any(c.ok for c in sel.calls)


def recorder(day: list[tuple[Paper, Score | None]]) -> Callable[[dict[str, Any]], str]:
    """A model that answers each paper's recorded verdict (3/3 for papers the picker did not pick)."""
    verdicts = {p.arxiv_id: s for p, s in day}

    def answer(request: dict[str, Any]) -> str:
        rows = []
        for i in ids_in(request):
            s = verdicts.get(i)
            rows.append({"id": i, "comment": s.comment if s else "no match", "relevance": int(s.relevance) if s else 3,
                         "novelty": int(s.novelty) if s else 3})
        return json.dumps({"papers": rows})

    return answer


def model_of_days(*days: str, taste: int = 1) -> TeamModel:
    """A team model that learned the recorded verdicts of real days (taste=-1: the opposite verdicts)."""
    past = [(p, s or Score(p.arxiv_id, 3.0, 3.0, "", "llm:x")) for d in days for p, s in bench_days()[d]]
    if taste < 0:
        past = [(p, Score(p.arxiv_id, 3.0, 3.0, "", "llm:x") if passes_cutoffs(s, CRITERIA)
                 else Score(p.arxiv_id, 9.0, 8.0, "", "llm:x")) for p, s in past]
    return learned(past)


def targets_of(day: list[tuple[Paper, Score | None]]) -> set[str]:
    """The day's picks the recall counts."""
    return {p.arxiv_id for p, s in day if s is not None and passes_cutoffs(s, CRITERIA)}


async def test_the_llm_reads_the_ranking_from_the_top_and_never_sees_the_rest(openai_server: FakeOpenAI,
                                                                              scorer: LLMScorer) -> None:
    """A real day (185 candidates) after three real days of history: the tail of the ranking is decided locally."""
    today = bench_days()["2025-05-23"]
    papers = [p for p, _ in today]
    good = targets_of(today)
    openai_server.answer = recorder(today)
    model = model_of_days("2025-05-20", "2025-05-21", "2025-05-22")
    before = model.positives
    sel = await select(papers, CRITERIA, scorer=scorer, model=model)
    pf = sel.prefilter
    filtered = {i for i, s in sel.status.items() if s == selection.STATUS_FILTERED}
    sent = set(sent_ids(openai_server))
    assert pf.enabled and pf.decided_locally == len(filtered) >= 0.1 * len(papers)
    decided_first = {i for i, s in sel.status.items() if s in (selection.STATUS_AUTHOR, selection.STATUS_EXCLUDED)}
    assert pf.sent == len(sent) == len(papers) - len(filtered) - len(decided_first) and not filtered & sent
    assert "stopped where picks thinned out" in pf.reason
    assert all(sel.scores[i].comment.startswith("Prefiltered locally") for i in filtered)
    found = {p.paper.arxiv_id for p in sel.picks} & good
    assert len(found) >= 0.95 * len(good)
    # The day's verdicts were learned: one positive per pick the LLM made.
    assert model.positives == before + len(sent & good) and sel.learned == len(sent)


async def test_a_day_unlike_the_history_is_read_deeper(openai_server: FakeOpenAI, scorer: LLMScorer) -> None:
    """A model that learned the opposite taste meets more picks than it predicts: the rounds go deeper."""
    today = bench_days()["2025-05-23"]
    papers = [p for p, _ in today]
    good = targets_of(today)
    openai_server.answer = recorder(today)
    history = ("2025-05-20", "2025-05-21", "2025-05-22")
    usual = await select(papers, CRITERIA, scorer=scorer, model=model_of_days(*history), learn=False)
    openai_server.requests.clear()
    odd = await select(papers, CRITERIA, scorer=scorer, model=model_of_days(*history, taste=-1), learn=False)
    assert odd.prefilter.sent > usual.prefilter.sent
    assert len({p.paper.arxiv_id for p in odd.picks} & good) >= 0.9 * len(good)


async def test_a_rerun_with_cached_scores_teaches_the_model_nothing(openai_server: FakeOpenAI,
                                                                   scorer: LLMScorer) -> None:
    papers, good = day(6, 6)
    openai_server.answer = judge(good)
    model = TeamModel()
    first = await select(papers, CRITERIA, scorer=scorer, model=model)
    learned = (model.positives, model.negatives)
    assert learned == (len(good), 6) and first.learned == 12
    again = await select(papers, CRITERIA, scorer=scorer, model=model, cached=first.scores)
    assert (model.positives, model.negatives) == learned and again.learned == 0


def test_every_candidate_has_a_decision_and_a_local_score() -> None:
    """The candidate list explains every paper: picked, below cut-offs, prefiltered, excluded, author match."""
    from bot.core.candidates import DECISIONS

    sel = selection.Selection(
        scores={"a": Score("a", 9, 8, "fits", "llm:m"), "b": Score("b", 5, 5, "meh", "llm:m"),
                "c": Score("c", 3, 3, "Prefiltered locally: …", "local:criteria"),
                "d": Score("d", 1, 1, "Excluded: about 'x'", "local:exclude"),
                "e": Score("e", None, None, "Author match", "author", author_match=True)},
        status={"a": "llm", "b": "llm", "c": "filtered", "d": "excluded", "e": "author", "f": "unscored"},
        unscored=("f",), calls=(), picks=(), prefilter=selection.describe(enabled=True, reason="x", candidates=6),
        scorer="llm:m", local={"a": 2.0, "b": 0.5, "c": -1.0, "d": -2.0, "e": 0.1, "f": 0.0})
    got = {c.arxiv_id: c for c in sel.candidates(CRITERIA)}
    assert [got[i].decision for i in "abcdef"] == ["picked", "below cut-offs", "prefiltered", "excluded",
                                                    "author match", "unscored"]
    assert set(c.decision for c in got.values()) <= set(DECISIONS)
    assert got["a"].relevance == 9 and got["c"].relevance is None and got["b"].local_score == 0.5
    assert [c.arxiv_id for c in sel.candidates(CRITERIA)][:2] == ["a", "b"]  # best local score first


async def test_without_llm_the_local_ranker_scores_everything(openai_server: FakeOpenAI) -> None:
    papers = [*background()[:30], *picks(DAY2)]
    sel = await select(papers, CRITERIA, scorer=None)
    assert openai_server.requests == [] and sel.calls == ()
    assert sel.scorer == "local:criteria" and not sel.prefilter.enabled
    assert sel.picks[0].paper.arxiv_id == AUTHOR_MATCH  # watched authors still win
    local = [p for p in sel.picks if not p.score.author_match]
    assert len(local) == CRITERIA.digest_size
    seeds = {p.arxiv_id for p in picks(DAY2)}
    assert sum(p.paper.arxiv_id in seeds for p in local) >= 9
    assert all(p.score.comment.startswith("Local match:") for p in local)
    assert sel.count(selection.STATUS_LOCAL) == len(papers) - 1


async def test_excluded_papers_are_never_sent(openai_server: FakeOpenAI, scorer: LLMScorer) -> None:
    papers, good = day(3, 0)
    diffusion = Paper("2506.09999", "Latent Diffusion for Faster Sampling", "A diffusion model sampler.")
    openai_server.answer = judge(good)
    criteria = CRITERIA.evolve(exclude=("diffusion",))
    sel = await select([*papers, diffusion], criteria, scorer=scorer)
    assert diffusion.arxiv_id not in sent_ids(openai_server)
    assert sel.status[diffusion.arxiv_id] == selection.STATUS_EXCLUDED
    assert "diffusion" in sel.scores[diffusion.arxiv_id].comment
    assert {p.paper.arxiv_id for p in sel.picks} == good


async def test_votes_reorder_the_picks(openai_server: FakeOpenAI, scorer: LLMScorer) -> None:
    papers, good = day(4, 2)
    openai_server.answer = judge(good)
    last = sorted(good)[-1]
    sel = await select(papers, Criteria(topics="MoE"), scorer=scorer, votes={last: 3})
    assert sel.picks[0].paper.arxiv_id == last and sel.picks[0].votes == 3
