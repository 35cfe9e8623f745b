"""Questions about a paper in its thread: answered from the paper's full text, with the thread as context.

The full text (arXiv HTML, cached like /explain's) is split into named sections and passages; the
passages that best match the question (BM25, bot.core.sections) fill the prompt, so long papers fit.
Answers are cached in the explanations table under the question AND the thread's earlier questions
and answers (a follow-up means something else in another thread), and counted as "ask" in /papers cost.
"""

from __future__ import annotations

import hashlib
import json

from bot.core.message import Message
from bot.core.models import Paper
from bot.core.sections import passages, retrieve, split_sections
from bot.core.thread_view import answer_message
from bot.ports import Asker, NotConfigured
from handlers.commands.explain import MAX_QUESTION_CHARS, cache_question, full_text
from handlers.deps import Deps
from handlers.registry import UserError
from storage import explanations, scores, threads

CONTEXT_CHARS = 9000  # passages per question: about 2,300 tokens of paper
PASSAGE_CHARS = 1200
EARLIER = 5  # earlier questions of the thread the model sees
NO_LLM = ("I answer questions from the paper's full text with an LLM, and none is configured: set "
          "OPENAI_API_KEY (or [llm] base_url for a local OpenAI-compatible server). The paper cards, /papers "
          "and /criteria work without one.")


def _asker(deps: Deps) -> Asker:
    if deps.asker is None:
        raise NotConfigured(NO_LLM if deps.llm is None else "Questions about papers are not set up in this bot.")
    return deps.asker


def thread_version(earlier: list[tuple[str, str]]) -> str:
    """A short hash of the thread's earlier questions and answers (part of the cache key)."""
    blob = json.dumps([[cache_question(q), " ".join(a.split())] for q, a in earlier])
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


def checked_question(text: str) -> str:
    """The question on one line, or a UserError when there is none or it is too long."""
    question = " ".join(text.split())
    if not question:
        raise UserError("What would you like to know about it? e.g. What is the main result?")
    if len(question) > MAX_QUESTION_CHARS:
        raise UserError(f"Please keep the question under {MAX_QUESTION_CHARS} characters (it has {len(question)}).")
    return question


async def ask_about(deps: Deps, *, team: str, platform: str, root: str, user: str, paper: Paper,
                    question: str) -> Message:
    """Answer a question about `paper` in the conversation under `root`, and remember it there."""
    question = checked_question(question)
    asker = _asker(deps)
    earlier = await deps.store.call(threads.thread_questions, platform=platform, root=root,
                                    arxiv_id=paper.arxiv_id, limit=EARLIER)
    key = {"arxiv_id": paper.arxiv_id, "team": team, "question": cache_question(question), "model": asker.model,
           "prompt_version": f"ask:{asker.prompt_version}:{thread_version(earlier)}"}
    hit = await deps.store.call(explanations.get_explanation, **key)
    if hit is not None:
        cached = json.loads(hit.answer)
        text, cited = cached["text"], cached["sections"]
        note = f"Cached answer by {hit.model} from {hit.created_at[:10]}: no new cost."
    else:
        body = await full_text(deps, paper.arxiv_id)
        query = " ".join([*(q for q, _ in earlier[-1:]), question])
        chosen = retrieve(passages(split_sections(body or "", abstract=paper.abstract), size=PASSAGE_CHARS), query,
                          budget_chars=CONTEXT_CHARS)
        answer = await asker.answer(paper, question, passages=chosen, earlier=earlier)
        await deps.store.call(scores.record_calls, [answer.call], team=team, ref=paper.arxiv_id)
        text, cited = answer.text, list(answer.sections)
        await deps.store.call(explanations.save_explanation, **key, cost_usd=answer.call.cost_usd,
                              answer=json.dumps({"text": text, "sections": cited}))
        grounded = "the full text" if body else "the abstract (no full text on arXiv)"
        note = f"Answered by {asker.model} from {grounded} · cost ${answer.call.cost_usd:.4f}"
    await deps.store.call(threads.add_question, platform=platform, root=root, arxiv_id=paper.arxiv_id, team=team,
                          user=user, question=question, answer=text)
    return answer_message(paper, question=question, answer=text, sections=cited, note=note)
