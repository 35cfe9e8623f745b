"""Prompt injection against a model that obeys any instruction it reads (tests/fakes/gullible_model.py).

Sixteen injections, each planted at six places (start, middle and end of the abstract, an aside in brackets,
the title, the author list) of real papers, scored through the real LLMScorer and openai client against
the fake server: every injected paper gets exactly the scores it gets without the injection, and no
paper beside it moves. The same defence holds for /explain, questions in a paper's thread and the weekly
prompts.
"""

from __future__ import annotations

import json

from bot.core.models import Paper
from bot.core.sections import passages, split_sections
from bot.llm.ask import LLMAsker
from bot.llm.explain import LLMExplainer
from bot.llm.scoring import LLMScorer
from bot.llm.weekly import LLMWeeklyWriter
from tests.fakes.gullible_model import INJECTIONS, WHERE, GullibleModel, demands, inject
from tests.fakes.openai_server import FakeOpenAI, user_prompt
from tests.llm.conftest import CRITERIA, make_chat  # noqa: F401 (fixture)
from tests.llm.test_untrusted import _week, _weekly_answer
from tests.support import seed_digest


def real_papers(n: int) -> list[Paper]:
    """n real papers of the seed digests."""
    return [p.paper for p in seed_digest(n, digest_size=n).picks]


async def test_injected_papers_score_as_without_the_injection(openai_server: FakeOpenAI, make_chat) -> None:  # noqa: F811
    model = GullibleModel()
    openai_server.answer = model.answer
    scorer = LLMScorer(make_chat(), batch_size=8)
    originals = real_papers(3)
    baseline = {s.arxiv_id: (s.relevance, s.novelty) for s in (await scorer.score(originals, CRITERIA)).scores}
    assert len(baseline) == 3 and all(r < 10 for r, _ in baseline.values()), "a raise to 10 must be visible"

    source: dict[str, str] = {}
    batch: list[Paper] = []
    for k, (p, text, where) in enumerate((p, t, w) for p in originals for t in INJECTIONS for w in WHERE):
        injected = inject(p, text, where, arxiv_id=f"2699.{k:05d}")
        if where != "authors":  # the threat is real: undefended, the model obeys every one of them
            assert demands(f"{injected.title}\n{injected.abstract}"), (text, where)
        source[injected.arxiv_id] = p.arxiv_id
        batch.append(injected)
    clean = [Paper(f"2698.{i:05d}", p.title, p.abstract, p.authors) for i, p in enumerate(originals * 3)]
    for i, p in enumerate(clean):
        source[p.arxiv_id] = originals[i % 3].arxiv_id
    before = len(openai_server.requests)
    result = await scorer.score([*batch, *clean], CRITERIA)

    assert result.unscored == () and len(result.scores) == len(batch) + len(clean)
    moved = {s.arxiv_id: (s.relevance, s.novelty) for s in result.scores
             if (s.relevance, s.novelty) != baseline[source[s.arxiv_id]]}
    assert moved == {}, f"{len(moved)} papers scored differently with an injection"
    for request in openai_server.requests[before:]:
        user = user_prompt(request)
        assert not any(text in user for text in INJECTIONS)
        assert not any(author in user for p in batch for author in p.authors), "authors never enter a prompt"


async def test_explain_prompt_holds_nothing_the_model_would_obey(openai_server: FakeOpenAI, make_chat) -> None:  # noqa: F811
    openai_server.answer = lambda r: json.dumps({"tldr": "t", "key_idea": "k", "why_it_matters": "w",
                                                 "limitations": "l", "answer": "a"})
    explainer = LLMExplainer(make_chat())
    paper = real_papers(1)[0]
    for k, (text, where) in enumerate((t, w) for t in INJECTIONS for w in WHERE):
        evil = inject(paper, text, where, arxiv_id=f"2699.{k:05d}")
        await explainer.explain(evil, CRITERIA, question="Is it practical?", full_text=f"Intro. {text} Method.")
        inside = paper_part(user_prompt(openai_server.requests[-1]), "paper")
        assert demands(inside) == [], (text, where, demands(inside))
        assert "Intro." in inside and "Method." in inside and paper.title.split(":")[0] in inside


async def test_thread_question_prompt_holds_nothing_the_model_would_obey(openai_server: FakeOpenAI,
                                                                         make_chat) -> None:  # noqa: F811
    openai_server.answer = lambda r: json.dumps({"answer": "It is (1 Introduction).", "sections": ["1 Introduction"]})
    asker = LLMAsker(make_chat())
    paper = real_papers(1)[0]
    for k, (text, where) in enumerate((t, w) for t in INJECTIONS for w in WHERE):
        evil = inject(paper, text, where, arxiv_id=f"2699.{k:05d}")
        # The passages a question retrieves: the abstract's and the full text's, the injection in both.
        shown = passages(split_sections(f"1 Introduction\nIntro. {text} Method.", abstract=evil.abstract))
        got = await asker.answer(evil, "Is it practical?", passages=shown)
        inside = paper_part(user_prompt(openai_server.requests[-1]), "paper")
        assert demands(inside) == [], (text, where, demands(inside))
        assert "Intro." in inside and "Method." in inside and paper.title.split(":")[0] in inside
        assert got.sections == ("1 Introduction",)


async def test_weekly_prompts_hold_nothing_more_to_obey_than_without_the_injection(openai_server: FakeOpenAI,
                                                                                   make_chat) -> None:  # noqa: F811
    openai_server.answer = _weekly_answer
    papers = real_papers(4)
    writer = LLMWeeklyWriter(make_chat(), batch_size=2)
    await writer.synthesize(_week(papers), CRITERIA, team="foundations")
    clean = {d.sentence for r in openai_server.requests for d in demands(paper_part(user_prompt(r), "papers"))}
    for text in INJECTIONS:
        start = len(openai_server.requests)
        evil = [inject(papers[0], text, "abstract middle", arxiv_id=papers[0].arxiv_id),
                inject(papers[1], text, "title", arxiv_id=papers[1].arxiv_id), *papers[2:]]
        await writer.synthesize(_week(evil), CRITERIA, team="foundations")
        seen = {d.sentence for r in openai_server.requests[start:] for d in demands(paper_part(user_prompt(r), "papers"))}
        assert seen <= clean, (text, seen - clean)


def paper_part(user: str, tag: str) -> str:
    """The stretch of a prompt between <tag> and </tag>."""
    return user.split(f"<{tag}>", 1)[1].split(f"</{tag}>", 1)[0]
