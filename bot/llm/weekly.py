"""LLMWeeklyWriter: the weekly breakthroughs report from a week's picks (the WeeklyWriter port).

A week that fits one prompt (max_prompt_chars) goes to the model in one "weekly-reduce" call. A longer
week is read in full, never truncated: map calls ("weekly-map", ~batch_size papers each, dealt
round-robin so every batch gets its share of the strongest papers) shortlist candidates with a note,
and one reduce call writes the report from the shortlist; papers the team voted for always reach it.

Failure policy: a malformed answer is asked for again once. A map batch still malformed falls back to
its best-scored papers (noted); a reduce still malformed, or a server error, raises WeeklyFailed, which
carries the calls made so far so their cost is recorded and nothing gets posted.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import re
from typing import Any

from bot.core.models import Criteria
from bot.core.weekly import Week, WeekPaper, date_range
from bot.core.weekly_check import Resolver
from bot.llm.compact import clean_text, render_criteria, trim_abstract
from bot.llm.injection import strip_instructions
from bot.llm.prompts import load_prompt, render, text_version, untrusted
from bot.ports import LLM, CallRecord, Completion, UpstreamError

log = logging.getLogger(__name__)

_S, _LIST = {"type": "string"}, {"type": "array", "items": {"type": "string"}}


def _obj(**props: Any) -> dict[str, Any]:
    return {"type": "object", "properties": props, "required": list(props), "additionalProperties": False}


REPORT_SCHEMA = {"name": "weekly_report", "strict": True, "schema": _obj(
    summary=_S, key_takeaway=_S,
    breakthroughs={"type": "array", "items": _obj(arxiv_id=_S, title=_S, why_novel=_S, key_innovations=_LIST,
                                                   evidence=_LIST, impact=_S)},
    trends={"type": "array", "items": _obj(name=_S, description=_S, arxiv_ids=_LIST)},
    notable={"type": "array", "items": _obj(arxiv_id=_S, title=_S, line=_S)},
    honorable_mentions={"type": "array", "items": _obj(arxiv_id=_S, title=_S)},
)}
MAP_SCHEMA = {"name": "weekly_shortlist", "strict": True, "schema": _obj(
    candidates={"type": "array", "items": _obj(arxiv_id=_S, title=_S, note=_S, potential={"type": "integer"})},
    themes={"type": "array", "items": _obj(name=_S, arxiv_ids=_LIST)},
)}
_THINK = re.compile(r"<think>.*?(?:</think>|$)", re.DOTALL | re.IGNORECASE)


class WeeklyFailed(UpstreamError):
    """The report could not be written; `calls` are the calls it cost anyway."""

    def __init__(self, detail: str, *, calls: list[CallRecord]) -> None:
        super().__init__("OpenAI", detail)
        self.calls = list(calls)


def parse_object(text: str) -> dict[str, Any] | None:
    """The first JSON object in an answer (reasoning preambles and code fences skipped), or None."""
    text = _THINK.sub("", text or "")
    decoder = json.JSONDecoder()
    for m in re.finditer(r"\{", text):
        try:
            value, _ = decoder.raw_decode(text, m.start())
        except ValueError:
            continue
        return value if isinstance(value, dict) else None
    return None


def _report_problem(d: dict[str, Any]) -> str:
    if not isinstance(d.get("summary"), str) or not d["summary"].strip():
        return "answer has no summary"
    bad = [k for k in ("breakthroughs", "trends", "notable", "honorable_mentions") if not isinstance(d.get(k, []), list)]
    return f"answer fields are not lists: {', '.join(bad)}" if bad else ""


def _map_problem(d: dict[str, Any]) -> str:
    return "" if isinstance(d.get("candidates"), list) else "answer has no candidates list"


class LLMWeeklyWriter:
    """Writes the weekly report with an LLM (one call, or map-then-reduce for long weeks)."""

    def __init__(self, llm: LLM, *, batch_size: int = 40, per_batch: int = 8, max_prompt_chars: int = 60_000,
                 abstract_chars: int = 900, map_abstract_chars: int = 500, evidence_papers: int = 8,
                 concurrency: int = 4, attempts: int = 2, max_candidates: int = 80) -> None:
        self.llm = llm
        self.model = llm.model
        self.batch_size, self.per_batch, self.max_prompt_chars = batch_size, per_batch, max_prompt_chars
        self.abstract_chars, self.map_abstract_chars = abstract_chars, map_abstract_chars
        self.evidence_papers, self.concurrency, self.attempts = evidence_papers, concurrency, attempts
        self.max_candidates = max_candidates
        self.prompt_version = text_version(
            *(load_prompt(n).text for n in ("weekly_system", "weekly_user", "weekly_map_system", "weekly_map_user")),
            f"batch={batch_size},per={per_batch},abs={abstract_chars}/{map_abstract_chars},ev={evidence_papers}")

    async def synthesize(self, week: Week, criteria: Criteria, *,
                         team: str) -> tuple[dict[str, Any], list[CallRecord]]:
        """The report dict (REPORT_SCHEMA plus "synthesis": how it was made) and every call it took."""
        calls: list[CallRecord] = []
        crit = render_criteria(criteria)
        system = load_prompt("weekly_system").text
        papers = list(week.papers)
        fits_one = len(papers) <= self.batch_size * 1.25
        user = self._reduce_prompt(week, crit, papers, {}, [], single=True) if fits_one else None
        meta: dict[str, Any] = {"mode": "single", "map_batches": 0, "candidates": len(papers), "notes": []}
        if user is None:
            notes_by_id, themes = await self._map(week, crit, calls, meta["notes"])
            cands = self._shortlist(week, notes_by_id)
            user = self._reduce_prompt(week, crit, cands, notes_by_id, themes, single=False)
            meta.update(mode="map-reduce", map_batches=math.ceil(len(papers) / self.batch_size),
                        candidates=len(cands))
            if user is None:
                raise WeeklyFailed("weekly-reduce: the shortlist does not fit the prompt budget", calls=calls)
        raw = await self._ask(system, user, REPORT_SCHEMA, "weekly-reduce", _report_problem, calls)
        if raw is None:
            raise WeeklyFailed(f"the model's weekly report was malformed {self.attempts} times", calls=calls)
        log.info("weekly %s %s: %s, %d calls", team, week.week, meta["mode"], len(calls))
        return {**raw, "synthesis": meta}, calls

    # --- map: shortlist every batch -----------------------------------------------------------------

    async def _map(self, week: Week, crit: str, calls: list[CallRecord],
                   notes: list[str]) -> tuple[dict[str, tuple[str, int]], list[tuple[str, list[str]]]]:
        n = math.ceil(len(week.papers) / self.batch_size)
        batches = [list(week.papers[i::n]) for i in range(n)]
        sem = asyncio.Semaphore(self.concurrency)
        system = render("weekly_map_system", per_batch=self.per_batch)

        async def one(k: int, batch: list[WeekPaper]) -> tuple[dict[str, tuple[str, int]], list]:
            user = self._map_prompt(crit, batch, k, n, len(week.papers), system, calls)
            async with sem:
                data = await self._ask(system, user, MAP_SCHEMA, "weekly-map", _map_problem, calls)
            if data is None:
                notes.append(f"map batch {k}: malformed answer {self.attempts} times; its best-scored papers go on")
                return {p.arxiv_id: (p.pick.score.comment, 0) for p in batch[: self.per_batch]}, []
            return self._read_map(data, batch, k, notes)

        results = await asyncio.gather(*(one(k, b) for k, b in enumerate(batches, start=1)), return_exceptions=True)
        for r in results:
            if isinstance(r, BaseException):
                raise r
        picked: dict[str, tuple[str, int]] = {}
        themes: list[tuple[str, list[str]]] = []
        for cands, th in results:  # type: ignore[misc]
            picked.update(cands)
            themes += th
        return picked, themes

    def _read_map(self, data: dict[str, Any], batch: list[WeekPaper], k: int,
                  notes: list[str]) -> tuple[dict[str, tuple[str, int]], list[tuple[str, list[str]]]]:
        res = Resolver(batch)
        out: dict[str, tuple[str, int]] = {}
        for c in data["candidates"]:
            c = c if isinstance(c, dict) else {}
            paper, note = res.resolve(c.get("arxiv_id"), c.get("title"))
            if note:
                notes.append(f"map batch {k}: {note}")
            if paper is not None and len(out) < self.per_batch:
                pot = c.get("potential")
                out[paper.arxiv_id] = (" ".join(str(c.get("note") or "").split())[:300],
                                       int(pot) if isinstance(pot, int | float) else 0)
        themes = []
        for t in data.get("themes") or []:
            if isinstance(t, dict) and t.get("name"):
                ids = [p.arxiv_id for i in t.get("arxiv_ids") or [] if (p := res.by_id.get(str(i).strip()))]
                if ids:
                    themes.append((" ".join(str(t["name"]).split())[:80], ids))
        return out, themes

    def _shortlist(self, week: Week, picked: dict[str, tuple[str, int]]) -> list[WeekPaper]:
        """Voted papers first (always), then candidates by the map's potential, in week order on ties."""
        order = {p.arxiv_id: i for i, p in enumerate(week.papers)}
        ids = [p.arxiv_id for p in week.voted(1)]
        ids += sorted((i for i in picked if i not in ids), key=lambda i: (-picked[i][1], order[i]))
        return [week.by_id[i] for i in ids[: self.max_candidates]]

    # --- prompts ------------------------------------------------------------------------------------

    def _block(self, p: WeekPaper, *, abstract_chars: int, evidence: bool, note: str = "") -> str:
        s = p.pick.score
        meta = [f"team votes {p.votes:+d}" + (" (upvoted by the team)" if p.votes > 0 else "")] if p.votes else []
        if s.author_match:
            meta.append("by a watched author")
        if s.relevance is not None and s.novelty is not None:
            meta.append(f"relevance {s.relevance:g}, novelty {s.novelty:g}")
        meta.append(f"picked {p.day.isoformat()}")
        lines = [f"[{p.arxiv_id}] {clean_text(strip_instructions(p.title))}", " · ".join(meta)]
        if s.comment:
            lines.append(f"filter's note: {clean_text(s.comment)}")
        if note:
            lines.append(f"shortlist note: {note}")
        if abstract_chars:
            lines.append(trim_abstract(strip_instructions(p.pick.paper.abstract), abstract_chars))
        if evidence and p.evidence:
            lines.append(f"from the full text: {p.evidence}")
        return "\n".join(lines)

    def _map_prompt(self, crit: str, batch: list[WeekPaper], k: int, n: int, total: int, system: str,
                    calls: list[CallRecord]) -> str:
        for chars in (self.map_abstract_chars, self.map_abstract_chars // 2, 0):
            papers = untrusted("\n\n".join(self._block(p, abstract_chars=chars, evidence=False) for p in batch))
            user = render("weekly_map_user", criteria=crit, batch=k, batches=n, count=len(batch), total=total,
                          papers=papers)
            if len(system) + len(user) <= self.max_prompt_chars:
                return user
        raise WeeklyFailed(f"weekly-map: batch {k} does not fit the prompt budget", calls=calls)

    def _reduce_prompt(self, week: Week, crit: str, papers: list[WeekPaper], notes: dict[str, tuple[str, int]],
                       themes: list[tuple[str, list[str]]], *, single: bool) -> str | None:
        """The reduce prompt at the richest detail that fits the budget; None when even the leanest does not."""
        system_len = len(load_prompt("weekly_system").text)
        scope = "" if single else (f" They were all read in batches; below is the shortlist of {len(papers)} "
                                   "made from them, each with its shortlist note.")
        merged: dict[str, tuple[str, list[str]]] = {}  # same theme named by several batches: one line
        for name, ids in themes:
            entry = merged.setdefault(name.lower(), (name, []))
            entry[1].extend(i for i in ids if i not in entry[1])
        theme_text = "" if not merged else "\n# Themes the batches saw\n" + "\n".join(
            f"- {untrusted(name)}: {', '.join(ids)}" for name, ids in list(merged.values())[:15]) + "\n"
        levels = [(self.abstract_chars, self.evidence_papers), (self.abstract_chars // 2, self.evidence_papers // 2)]
        if not single:
            levels += [(200, 0), (0, 0)]
        for chars, ev in levels:
            blocks = untrusted("\n\n".join(
                self._block(p, abstract_chars=chars, evidence=i < ev, note=notes.get(p.arxiv_id, ("", 0))[0])
                for i, p in enumerate(papers)))
            user = render("weekly_user", criteria=crit, week=week.week, date_range=date_range(week.start, week.end),
                          count=len(week.papers), scope=scope, papers=blocks, themes=theme_text)
            if system_len + len(user) <= self.max_prompt_chars:
                return user
        return None

    # --- one call, asked again once when malformed -----------------------------------------------------

    async def _ask(self, system: str, user: str, schema: dict[str, Any], purpose: str, problem_of: Any,
                   calls: list[CallRecord]) -> dict[str, Any] | None:
        max_tokens = 16_000 if purpose == "weekly-reduce" else 6_000  # room for reasoning tokens
        for attempt in range(1, self.attempts + 1):
            try:
                c = await self.llm.complete(system=system, user=user, json_schema=schema, max_tokens=max_tokens,
                                            purpose=purpose)
            except UpstreamError as err:
                calls.append(self._record(purpose, None, error=str(err), chars=len(system) + len(user)))
                raise WeeklyFailed(f"{purpose}: {err.detail or err}", calls=calls) from err
            data = parse_object(c.text)
            problem = "answer is not a JSON object" if data is None else problem_of(data)
            if problem and c.finish_reason == "length":
                problem = "truncated answer (finish_reason=length)"
            calls.append(self._record(purpose, c, error=problem, chars=len(system) + len(user)))
            if not problem:
                return data
            log.warning("%s: %s (attempt %d of %d)", purpose, problem, attempt, self.attempts)
        return None

    def _record(self, purpose: str, c: Completion | None, *, error: str, chars: int) -> CallRecord:
        if c is None:
            return CallRecord(purpose, self.llm.model, 0, 0, ok=False, error=error, prompt_chars=chars)
        return CallRecord(purpose, self.llm.model, c.prompt_tokens, c.completion_tokens, c.cached_tokens,
                          self.llm.cost(c), ok=not error, error=error, prompt_chars=c.prompt_chars or chars,
                          completion_chars=c.completion_chars or len(c.text))
