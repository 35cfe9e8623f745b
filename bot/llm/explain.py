"""LLMExplainer: the Explainer port — TL;DR, key idea, why it matters for the team, limitations, an answer.

Paper text (title, abstract, full text) is untrusted data: it goes between <paper> delimiters that it
cannot close (prompts.untrusted), after the instructions, and the system prompt says to ignore any
instruction inside them.
"""

from __future__ import annotations

import json
import re
from typing import Any

from bot.core.models import Criteria, Paper
from bot.llm.compact import clean_text, render_criteria
from bot.llm.injection import strip_instructions
from bot.llm.prompts import load_prompt, render, text_version, untrusted
from bot.ports import LLM, CallRecord, UpstreamError

FIELDS = ("tldr", "key_idea", "why_it_matters", "limitations", "answer")
LABELS = {"tldr": "TL;DR", "key_idea": "Key idea", "why_it_matters": "Why it matters for the team",
          "limitations": "Limitations", "answer": "Answer"}
EXPLAIN_SCHEMA = {
    "name": "paper_explanation",
    "strict": True,
    "schema": {
        "type": "object",
        "properties": {f: {"type": "string"} for f in FIELDS},
        "required": list(FIELDS),
        "additionalProperties": False,
    },
}
NO_QUESTION = "(none: explain the paper)"
_THINK = re.compile(r"<think>.*?(?:</think>|$)", re.DOTALL | re.IGNORECASE)
_FENCE = re.compile(r"```[A-Za-z0-9_-]*\s*\n?(.*?)(?:```|$)", re.DOTALL)
_FIELD = re.compile(r'"(' + "|".join(FIELDS) + r')"\s*:\s*("(?:[^"\\]|\\.)*")')


def _first_object(text: str) -> dict[str, Any] | None:
    """The first JSON object in the text that holds at least one answer field."""
    decoder = json.JSONDecoder()
    for i, ch in enumerate(text):
        if ch != "{":
            continue
        try:
            value, _ = decoder.raw_decode(text, i)
        except ValueError:
            continue
        if isinstance(value, dict) and any(k in value for k in FIELDS):
            return value
    return None


def parse_explanation(text: str) -> dict[str, str]:
    """The answer fields from a model's reply: JSON, fenced JSON, a truncated object, or plain prose."""
    text = _THINK.sub("", text or "").strip()
    fenced = _FENCE.findall(text)
    body = "\n".join(fenced) if fenced else text
    obj = _first_object(body)
    if obj is None:
        # Truncated JSON (finish_reason=length): keep every field that arrived complete.
        obj = {m.group(1): json.loads(m.group(2)) for m in _FIELD.finditer(body)}
    if obj:
        return {k: " ".join(str(obj.get(k) or "").split()) for k in FIELDS if str(obj.get(k) or "").strip()}
    return {"tldr": body} if body else {}  # a server without JSON mode answered in prose


def format_explanation(fields: dict[str, str]) -> str:
    """Plain text, one labelled paragraph per field, blank lines between."""
    return "\n\n".join(f"{LABELS[k]}: {fields[k]}" for k in FIELDS if fields.get(k))


class LLMExplainer:
    """Explains one paper for a team with an LLM (the Explainer port)."""

    def __init__(self, llm: LLM, *, max_text_chars: int = 20_000, max_tokens: int | None = None,
                 purpose: str = "explain") -> None:
        self.llm = llm
        self.model = llm.model
        self.max_text_chars = max_text_chars
        self.max_tokens = max_tokens
        self.purpose = purpose
        # What the model sees decides the answer: both prompts and how much paper text it gets.
        self.prompt_version = text_version(load_prompt("explain_system").text, load_prompt("explain_user").text,
                                           f"text<={max_text_chars}")

    def build_prompt(self, paper: Paper, criteria: Criteria, *, question: str = "",
                     full_text: str | None = None) -> tuple[str, str]:
        """(system, user): instructions first; the paper's text between <paper> delimiters."""
        abstract = clean_text(strip_instructions(paper.abstract))
        if full_text and full_text.strip():
            body = " ".join(strip_instructions(full_text).split())[: self.max_text_chars]
            source = "the abstract and the full text (arXiv HTML" + (", cut)" if len(full_text) > len(body) else ")")
            paper_text = f"Abstract: {abstract}\n\nFull text: {body}"
        else:
            source, paper_text = "the abstract only (no full text available)", f"Abstract: {abstract}"
        user = render(
            "explain_user",
            criteria=render_criteria(criteria),
            arxiv_id=paper.arxiv_id,
            title=untrusted(" ".join(paper.title.split())),
            source=source,
            paper_text=untrusted(paper_text),
            question=" ".join(question.split()) or NO_QUESTION,
        )
        return load_prompt("explain_system").text, user

    async def explain(self, paper: Paper, criteria: Criteria, *, question: str = "",
                      full_text: str | None = None) -> tuple[str, CallRecord]:
        """Markdown-free plain text answer (TL;DR, key idea, why it matters here, limitations) and its cost."""
        system, user = self.build_prompt(paper, criteria, question=question, full_text=full_text)
        completion = await self.llm.complete(system=system, user=user, json_schema=EXPLAIN_SCHEMA,
                                             max_tokens=self.max_tokens, purpose=self.purpose)
        fields = parse_explanation(completion.text)
        if not question.strip():
            fields.pop("answer", None)
        text = format_explanation(fields)
        record = CallRecord(
            purpose=self.purpose, model=self.llm.model, prompt_tokens=completion.prompt_tokens,
            completion_tokens=completion.completion_tokens, cached_tokens=completion.cached_tokens,
            cost_usd=self.llm.cost(completion), ok=bool(text),
            error="" if text else f"empty answer (finish_reason={completion.finish_reason})",
            prompt_chars=completion.prompt_chars or len(system) + len(user),
            completion_chars=completion.completion_chars or len(completion.text),
        )
        if not text:
            raise UpstreamError("OpenAI", f"no explanation in the answer (finish_reason={completion.finish_reason})")
        return text, record
