"""/explain <id or URL> [question]: an LLM explanation for the team, cached so asking twice is free."""

from __future__ import annotations

import logging

from bot.core.message import Message
from bot.core.models import Request
from bot.core.views import explanation_message
from bot.ports import Explainer, NotConfigured, UpstreamError
from handlers.commands.common import current_criteria, resolve_paper, unquote
from handlers.deps import Deps
from handlers.registry import UserError, command, help_message
from storage import explanations, scores
from storage import papers as paper_store

log = logging.getLogger("paperbot.commands")
MAX_QUESTION_CHARS = 500


def _explainer(deps: Deps) -> Explainer:
    if deps.explainer is not None:
        return deps.explainer
    deps.need_llm()  # "No LLM is configured: set OPENAI_API_KEY …"
    raise NotConfigured("Explanations are not set up in this bot (an LLM is configured, but no explainer).")


async def full_text(deps: Deps, arxiv_id: str) -> str | None:
    """The paper's full text: cached in SQLite, else from arXiv's HTML page (None when there is none)."""
    cached = await deps.store.call(paper_store.get_full_text, arxiv_id)
    if cached:
        return cached
    if deps.source is None:
        return None
    try:
        text = await deps.source.full_text(arxiv_id)
    except UpstreamError as e:  # the abstract still makes a useful explanation
        log.info("no full text for %s: %s", arxiv_id, e)
        return None
    if text:
        await deps.store.call(paper_store.set_full_text, arxiv_id, text)
    return text


def cache_question(question: str) -> str:
    """The question as the cache keys it: spacing and case do not make a new question."""
    return " ".join(question.split()).casefold()


@command(
    "explain",
    args="<arxiv id or URL> [question]",
    help="Explain a paper for the team: TL;DR, the key idea, why it matters for the team's criteria, limitations; "
         "add a question to ask about the paper. Answers are cached: asking again costs nothing.",
    slow=True,
    free_text=True,
)
async def explain(req: Request, deps: Deps) -> Message:
    """Explain one paper (optionally answering a question), grounded in its abstract and full text."""
    text = req.text.strip()
    if text.lower() == "help":
        return help_message("explain")
    if not text:
        raise UserError("Which paper? Give an arXiv id or URL, e.g. /explain 2601.16725 What is new here?")
    head, rest = (text.split(maxsplit=1) + [""])[:2]  # any whitespace: a question may start on a new line
    question = unquote(" ".join(rest.split()))
    if len(question) > MAX_QUESTION_CHARS:
        raise UserError(f"Please keep the question under {MAX_QUESTION_CHARS} characters (it has {len(question)}).")
    explainer = _explainer(deps)
    paper, _ = await resolve_paper(deps, head)
    team = deps.team_of(req).name
    cv = await current_criteria(deps, req)
    # The criteria hash is part of the key: "why it matters" is about the criteria of the moment.
    key = {"arxiv_id": paper.arxiv_id, "team": team, "question": cache_question(question),
           "model": explainer.model, "prompt_version": f"{explainer.prompt_version}:{cv.hash}"}
    hit = await deps.store.call(explanations.get_explanation, **key)
    if hit is not None:
        note = f"Cached answer by {hit.model} from {hit.created_at[:10]}: no new cost."
        return explanation_message(paper, hit.answer, question=question, note=note)
    body = await full_text(deps, paper.arxiv_id)
    answer, record = await explainer.explain(paper, cv.criteria, question=question, full_text=body)
    await deps.store.call(scores.record_calls, [record], team=team, ref=paper.arxiv_id)
    await deps.store.call(explanations.save_explanation, **key, answer=answer, cost_usd=record.cost_usd)
    grounded = "full text" if body else "abstract (no full text on arXiv)"
    note = f"Explained by {explainer.model} from the {grounded} · cost ${record.cost_usd:.4f}"
    return explanation_message(paper, answer, question=question, note=note)
