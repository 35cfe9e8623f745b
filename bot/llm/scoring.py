"""LLMScorer: relevance/novelty per paper in compact batched prompts; no paper is ever dropped silently.

Failure policy: a batch whose answer is malformed, truncated, missing papers or holding a score
outside 1-10 (bot.llm.parse rejects it, never clamps it) is asked again once for those papers only, then split in halves down to single papers; whatever still has no score
is returned as unscored (the pipeline retries it next run). An UpstreamError stops further calls: the
scores so far are returned, the rest unscored, and the failed call recorded with ok=False.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.core.models import Criteria, Paper, Score
from bot.llm.client import ContextTooLong
from bot.llm.compact import render_criteria, render_paper
from bot.llm.injection import paper_flags
from bot.llm.parse import parse_answer
from bot.llm.prompts import load_prompt, render, text_version, untrusted
from bot.ports import LLM, CallRecord, Completion, ScoringResult, UpstreamError

log = logging.getLogger(__name__)

_ENTRY = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "comment": {"type": "string"},  # before the scores, as in the anchor: reason first, then score
        "relevance": {"type": "integer"},
        "novelty": {"type": "integer"},
    },
    "required": ["id", "comment", "relevance", "novelty"],
    "additionalProperties": False,
}
# One static schema for every call: servers cache a compiled schema, a per-batch one would not be.
SCORE_SCHEMA = {
    "name": "paper_scores",
    "strict": True,
    "schema": {
        "type": "object",
        "properties": {"papers": {"type": "array", "items": _ENTRY}},
        "required": ["papers"],
        "additionalProperties": False,
    },
}


@dataclass
class _Run:
    """State shared by the concurrent calls of one score() run."""

    criteria_text: str
    sem: asyncio.Semaphore
    scores: dict[str, Score] = field(default_factory=dict)
    calls: list[CallRecord] = field(default_factory=list)
    error: UpstreamError | None = None
    rendered: dict[str, str] = field(default_factory=dict)  # arXiv id -> the paper as the prompt shows it


class LLMScorer:
    """Scores papers with an LLM against a team's criteria (the PaperScorer port)."""

    def __init__(
        self,
        llm: LLM,
        *,
        batch_size: int = 16,
        concurrency: int = 4,
        max_abstract_chars: int = 1200,
        min_word_coverage: float = 0.6,
        max_tokens_per_paper: int | None = None,
        purpose: str = "score",
    ) -> None:
        if batch_size < 1 or concurrency < 1:
            raise ValueError("batch_size and concurrency must be at least 1")
        self.llm = llm
        self.batch_size = batch_size
        self.concurrency = concurrency
        self.max_abstract_chars = max_abstract_chars
        self.min_word_coverage = min_word_coverage
        self.max_tokens_per_paper = max_tokens_per_paper
        self.purpose = purpose
        self.name = f"llm:{llm.model}"
        # What the model sees decides the score: the prompts and how much abstract it is shown.
        self.prompt_version = text_version(
            load_prompt("score_system").text,
            load_prompt("score_user").text,
            f"abstract<={max_abstract_chars},coverage>={min_word_coverage}",
            # Scores cached before validation may be clamped (42 -> 10): this tag keeps them from being reused.
            "scores:validated-1..10",
        )
        self.last_error: UpstreamError | None = None

    def render(self, paper: Paper) -> str:
        """One paper as the scoring prompt shows it (instruction-like text cut, abstract trimmed)."""
        return render_paper(paper, max_abstract_chars=self.max_abstract_chars, min_word_coverage=self.min_word_coverage)

    def build_prompt(self, papers: Sequence[Paper], criteria: Criteria | str, *,
                     rendered: dict[str, str] | None = None) -> tuple[str, str]:
        """(system, user) for one batch: criteria first (a stable, cacheable prefix), then the papers."""
        criteria_text = criteria if isinstance(criteria, str) else render_criteria(criteria)
        listed = "\n\n".join((rendered or {}).get(p.arxiv_id) or self.render(p) for p in papers)
        return load_prompt("score_system").text, render("score_user", criteria=criteria_text, papers=untrusted(listed))

    async def score(self, papers: Sequence[Paper], criteria: Criteria, *, team: str = "") -> ScoringResult:
        """Relevance/novelty (1-10) and a one-line comment per paper; never drops a paper silently."""
        unique = list({p.arxiv_id: p for p in papers}.values())
        run = _Run(criteria_text=render_criteria(criteria), sem=asyncio.Semaphore(self.concurrency))
        # A paper holding text addressed to the model has it cut out (prompts.untrusted) and is scored in a
        # call of its own: whatever its text might still do, it cannot reach another paper's score.
        flagged, run.rendered = await self._prepare(unique)
        for arxiv_id, found in flagged.items():
            log.warning("paper %s: %d instruction-like span(s) cut before scoring, e.g. %r", arxiv_id, len(found),
                        found[0][:120])
        plain = [p for p in unique if p.arxiv_id not in flagged]
        batches = [plain[i : i + self.batch_size] for i in range(0, len(plain), self.batch_size)]
        batches += [[p] for p in unique if p.arxiv_id in flagged]
        await asyncio.gather(*(self._resolve(run, batch, retried=False) for batch in batches))
        self.last_error = run.error
        scores = tuple(run.scores[p.arxiv_id] for p in unique if p.arxiv_id in run.scores)
        unscored = tuple(p.arxiv_id for p in unique if p.arxiv_id not in run.scores)
        if unscored:
            log.warning("team %s: %d of %d papers unscored", team or "-", len(unscored), len(unique))
        return ScoringResult(scores=scores, unscored=unscored, calls=tuple(run.calls))

    async def _prepare(self, papers: list[Paper]) -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
        """(flagged papers with the spans cut from them, every paper rendered for the prompt).

        ~1 ms of CPU a paper: done in slices that yield to the event loop, so Slack's acks are not held up.
        Not a thread: a CPU-bound thread makes the loop wait for the GIL after every socket call (measured
        by bench/load.py: the first acks of a daily run took over a second).
        """
        flagged: dict[str, tuple[str, ...]] = {}
        rendered: dict[str, str] = {}
        for i, p in enumerate(papers):
            if found := paper_flags(p.title, p.abstract):
                flagged[p.arxiv_id] = found
            rendered[p.arxiv_id] = self.render(p)
            if i % 16 == 15:
                await asyncio.sleep(0)
        return flagged, rendered

    async def _resolve(self, run: _Run, papers: list[Paper], *, retried: bool) -> None:
        """Score papers; ask again once for what is missing, then split in halves down to single papers."""
        missing, too_long = await self._call(run, papers)
        if not missing or run.error is not None:
            return
        if not retried and not too_long:
            await self._resolve(run, missing, retried=True)
        elif len(missing) > 1:
            mid = len(missing) // 2
            await asyncio.gather(
                self._resolve(run, missing[:mid], retried=True),
                self._resolve(run, missing[mid:], retried=True),
            )
        # A single paper that still has no score stays unscored: the pipeline retries it next run.

    async def _call(self, run: _Run, papers: list[Paper]) -> tuple[list[Paper], bool]:
        """One LLM call for papers; returns (papers still without a score, prompt was too long)."""
        system, user = self.build_prompt(papers, run.criteria_text, rendered=run.rendered)
        max_tokens = 64 + self.max_tokens_per_paper * len(papers) if self.max_tokens_per_paper else None
        async with run.sem:
            if run.error is not None:  # the server is down: do not queue more calls on it
                return papers, False
            try:
                completion = await self.llm.complete(
                    system=system, user=user, json_schema=SCORE_SCHEMA, max_tokens=max_tokens, purpose=self.purpose
                )
            except UpstreamError as err:
                if not isinstance(err, ContextTooLong):
                    run.error = err
                run.calls.append(self._record(None, ok=False, error=str(err), chars=len(system) + len(user)))
                return papers, isinstance(err, ContextTooLong)
        wanted = {p.arxiv_id for p in papers}
        answer = parse_answer(completion.text)
        for arxiv_id, parsed in answer.scores.items():
            if arxiv_id in wanted and arxiv_id not in run.scores:  # ids not in this batch are never invented
                run.scores[arxiv_id] = Score(
                    arxiv_id=arxiv_id,
                    relevance=parsed.relevance,
                    novelty=parsed.novelty,
                    comment=parsed.comment,
                    scorer=self.name,
                )
        missing = [p for p in papers if p.arxiv_id not in run.scores]
        error = ""
        if missing:
            got = len(papers) - len(missing)
            what = "truncated answer (finish_reason=length)" if completion.finish_reason == "length" else (
                "malformed answer" if got == 0 else "answer incomplete")
            error = f"{what}: {len(missing)} of {len(papers)} papers without a score"
            bad = [f"{p.arxiv_id} {answer.rejected[p.arxiv_id]}" for p in missing if p.arxiv_id in answer.rejected]
            if bad:
                error += "; rejected: " + "; ".join(bad[:5])
                log.warning("scores rejected (%d): %s", len(bad), "; ".join(bad[:5]))
        run.calls.append(self._record(completion, ok=not missing, error=error, chars=len(system) + len(user)))
        return missing, False

    def _record(self, completion: Completion | None, *, ok: bool, error: str, chars: int) -> CallRecord:
        """The CallRecord of one call, failed (no completion) or not."""
        if completion is None:
            return CallRecord(purpose=self.purpose, model=self.llm.model, prompt_tokens=0, completion_tokens=0,
                              ok=False, error=error, prompt_chars=chars)
        return CallRecord(
            purpose=self.purpose,
            model=self.llm.model,  # the configured name, so a day's calls group under one model
            prompt_tokens=completion.prompt_tokens,
            completion_tokens=completion.completion_tokens,
            cached_tokens=completion.cached_tokens,
            cost_usd=self.llm.cost(completion),
            ok=ok,
            error=error,
            prompt_chars=completion.prompt_chars or chars,
            completion_chars=completion.completion_chars or len(completion.text),
        )
