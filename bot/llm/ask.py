"""LLMAsker: the Asker port — a question about one paper, answered from retrieved passages of its text.

The passages (and the title) are untrusted data between <paper> delimiters they cannot close
(prompts.untrusted), after the instructions; each is headed by its section's name, which the answer
cites. The thread's earlier questions and answers follow, then the question.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.core.models import Paper
from bot.core.sections import Passage
from bot.llm.compact import clean_text
from bot.llm.parse import _json_values
from bot.llm.prompts import load_prompt, render, text_version, untrusted
from bot.ports import LLM, CallRecord, Completion, PaperAnswer, UpstreamError

ANSWER_SCHEMA = {
    "name": "paper_answer",
    "strict": True,
    "schema": {
        "type": "object",
        "properties": {"answer": {"type": "string"}, "sections": {"type": "array", "items": {"type": "string"}}},
        "required": ["answer", "sections"],
        "additionalProperties": False,
    },
}
NO_EARLIER = "(none: this is the thread's first question)"


def format_passages(passages: Sequence[Passage]) -> str:
    """Passages grouped under their section's name, in the paper's order."""
    out: list[str] = []
    last = None
    for p in passages:
        if p.section != last:
            out.append(f"\n## {p.section}")
            last = p.section
        out.extend(line for line in map(clean_text, p.text.splitlines()) if line)
    return "\n".join(out).strip()


def parse_answer(text: str, known: Sequence[str]) -> tuple[str, tuple[str, ...]]:
    """(answer, cited sections) from a model's reply: its JSON object, else the prose as the answer.

    Only sections that were shown count as cited (case and spacing aside), in the order shown.
    """
    obj: dict[str, Any] = next((v for v in _json_values(text or "") if isinstance(v, dict) and "answer" in v), {})
    answer = " ".join(str(obj.get("answer") or "").split()) if obj else " ".join((text or "").split())
    named = obj.get("sections") if isinstance(obj.get("sections"), list) else []
    wanted = {" ".join(str(s).split()).casefold() for s in named}
    return answer, tuple(k for k in dict.fromkeys(known) if " ".join(k.split()).casefold() in wanted)


def _record(llm: LLM, completion: Completion, *, purpose: str, prompt_chars: int, error: str) -> CallRecord:
    return CallRecord(purpose=purpose, model=llm.model, prompt_tokens=completion.prompt_tokens,
                      completion_tokens=completion.completion_tokens, cached_tokens=completion.cached_tokens,
                      cost_usd=llm.cost(completion), ok=not error, error=error,
                      prompt_chars=completion.prompt_chars or prompt_chars,
                      completion_chars=completion.completion_chars or len(completion.text))


class LLMAsker:
    """Answers questions about a paper with an LLM (the Asker port)."""

    def __init__(self, llm: LLM, *, max_tokens: int | None = None, purpose: str = "ask") -> None:
        self.llm = llm
        self.model = llm.model
        self.max_tokens = max_tokens
        self.purpose = purpose
        self.prompt_version = text_version(load_prompt("ask_system").text, load_prompt("ask_user").text)

    def build_prompt(self, paper: Paper, question: str, *, passages: Sequence[Passage],
                     earlier: Sequence[tuple[str, str]] = ()) -> tuple[str, str]:
        """(system, user): instructions first; the passages between <paper> delimiters; then the thread."""
        full = any(p.section != "Abstract" for p in passages)
        source = "passages of the full text (arXiv HTML)" if full else "the abstract only (no full text available)"
        thread = "\n".join(f"Q: {' '.join(q.split())}\nA: {' '.join(a.split())}" for q, a in earlier) or NO_EARLIER
        user = render("ask_user", arxiv_id=paper.arxiv_id, source=source,
                      title=untrusted(" ".join(paper.title.split())),
                      passages=untrusted(format_passages(passages)), earlier=thread,
                      question=" ".join(question.split()))
        return load_prompt("ask_system").text, user

    async def answer(self, paper: Paper, question: str, *, passages: Sequence[Passage],
                     earlier: Sequence[tuple[str, str]] = ()) -> PaperAnswer:
        """A plain-text answer grounded in `passages`, with the thread's earlier (question, answer) pairs as context."""
        system, user = self.build_prompt(paper, question, passages=passages, earlier=earlier)
        completion = await self.llm.complete(system=system, user=user, json_schema=ANSWER_SCHEMA,
                                             max_tokens=self.max_tokens, purpose=self.purpose)
        text, cited = parse_answer(completion.text, [p.section for p in passages])
        error = "" if text else f"empty answer (finish_reason={completion.finish_reason})"
        record = _record(self.llm, completion, purpose=self.purpose, prompt_chars=len(system) + len(user),
                         error=error)
        if not text:
            raise UpstreamError("OpenAI", f"no answer in the reply (finish_reason={completion.finish_reason})")
        return PaperAnswer(text, cited, record)
