"""The anchor's scheme, emulated for the selection benchmark: DaizeDong/ChatGPT-ArXiv-Paper-Assistant.

Two LLM passes over every candidate, with its prompts from criteria_example/ and its prompt layout
(arxiv_assistant/filters/filter_gpt.py): a title pass in batches asking which papers are surely
irrelevant, then an abstract pass in batches scoring the rest as JSONL; batch sizes adapt to the
day's size (base 16 titles / 8 abstracts, x ceil(log2(n / 32) + 1) above 32 papers); kept when
relevance >= 8 and novelty >= 7. It goes through the same OpenAI-compatible client as paperbot, so
characters and tokens are counted the same way.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.core.models import Paper
from bot.ports import LLM, CallRecord

ABSTRACT_CUTOFF = 4000  # the anchor's own cap on abstract characters


@dataclass(frozen=True, slots=True)
class AnchorPrompts:
    """The anchor's prompt files."""

    system: str
    topics: str
    score_criteria: str
    postfix_title: str
    postfix_abstract: str

    @classmethod
    def load(cls, criteria_dir: Path) -> AnchorPrompts:
        """Read criteria_example/prompts/*.txt."""
        d = criteria_dir / "prompts"
        read = lambda name: (d / name).read_text(encoding="utf-8")  # noqa: E731
        return cls(read("system_prompt.txt"), read("paper_topics.txt"), read("score_criteria.txt"),
                   read("postfix_prompt_title.txt"), read("postfix_prompt_abstract.txt"))


@dataclass(frozen=True, slots=True)
class AnchorResult:
    """What the anchor kept, what it scored, and every call it made."""

    selected: dict[str, tuple[int, int]]
    title_dropped: tuple[str, ...]
    calls: tuple[CallRecord, ...]


def adaptive_batch_size(base: int, n: int, threshold: int = 32) -> int:
    """The anchor's get_batch_size with adaptive_batch_size = true."""
    scale = 1 if n <= threshold else math.ceil(math.log(n / threshold, 2) + 1)
    return base * scale


def _title_str(p: Paper) -> str:
    return f"ArXiv ID: {p.arxiv_id}\nTitle: {p.title}"


def _paper_str(p: Paper) -> str:
    return (f"ArXiv ID: {p.arxiv_id}\nTitle: {p.title}\nAuthors: {', '.join(p.authors)}\n"
            f"Abstract: {p.abstract[:ABSTRACT_CUTOFF]}")


def _batches(items: Sequence[Paper], size: int) -> list[list[Paper]]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def _record(purpose: str, completion: object, system: str, user: str) -> CallRecord:
    return CallRecord(purpose=purpose, model=getattr(completion, "model", ""),
                      prompt_tokens=getattr(completion, "prompt_tokens", 0),
                      completion_tokens=getattr(completion, "completion_tokens", 0),
                      prompt_chars=len(system) + len(user), completion_chars=len(getattr(completion, "text", "")))


def _parse_jsonl(text: str) -> list[dict]:
    """The anchor's parse_chatgpt: strip fences, one JSON object per line."""
    text = re.sub("```jsonl\n", "", text)
    text = re.sub("```", "", text)
    text = re.sub(r"\n+", "\n", text)
    text = re.sub("},", "}", text).strip()
    out = []
    for line in text.split("\n"):
        try:
            out.append(json.loads(line))
        except ValueError:
            continue
    return out


async def run_anchor(papers: Sequence[Paper], llm: LLM, prompts: AnchorPrompts, *, title_batch: int = 16,
                     abstract_batch: int = 8, relevance_cutoff: int = 8, novelty_cutoff: int = 7,
                     retries: int = 3) -> AnchorResult:
    """Run both passes sequentially, as the anchor does, retrying papers whose answer failed."""
    calls: list[CallRecord] = []
    remaining: list[Paper] = []
    dropped: list[str] = []
    todo, attempts = list(papers), 0
    while todo and attempts <= retries:
        failed: list[Paper] = []
        for batch in _batches(todo, adaptive_batch_size(title_batch, len(todo))):
            user = "\n\n".join([prompts.topics, "## Papers", "\n\n".join(_title_str(p) for p in batch),
                                prompts.postfix_title])
            c = await llm.complete(system=prompts.system, user=user, purpose="anchor-title")
            calls.append(_record("anchor-title", c, prompts.system, user))
            try:
                drop = set(json.loads(c.text))
            except ValueError:
                failed.extend(batch)
                continue
            for p in batch:
                (dropped.append(p.arxiv_id) if p.arxiv_id in drop else remaining.append(p))
        todo, attempts = failed, attempts + 1
    remaining.extend(todo)  # the anchor gives up on the title pass for these, not on the papers

    selected: dict[str, tuple[int, int]] = {}
    by_id = {p.arxiv_id: p for p in remaining}
    todo, attempts = remaining, 0
    while todo and attempts <= retries:
        done: set[str] = set()
        for batch in _batches(todo, adaptive_batch_size(abstract_batch, len(todo))):
            user = "\n\n".join([prompts.topics, prompts.score_criteria, "## Papers",
                                "\n\n".join(_paper_str(p) for p in batch), prompts.postfix_abstract])
            c = await llm.complete(system=prompts.system, user=user, purpose="anchor-abstract")
            calls.append(_record("anchor-abstract", c, prompts.system, user))
            for row in _parse_jsonl(c.text):
                ident = str(row.get("ARXIVID", ""))
                if ident not in by_id:
                    continue
                rel, nov = int(row.get("RELEVANCE") or 0), int(row.get("NOVELTY") or 0)
                done.add(ident)
                if rel >= relevance_cutoff and nov >= novelty_cutoff:
                    selected[ident] = (rel, nov)
        todo, attempts = [p for p in todo if p.arxiv_id not in done], attempts + 1
    return AnchorResult(selected=selected, title_dropped=tuple(dropped), calls=tuple(calls))
