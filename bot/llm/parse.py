"""Tolerant parsing of a model's score answer: any JSON shape, JSONL, fences, keys in any case.

Servers without structured output answer in many shapes; the anchor tool's prompt asked for JSONL
with ARXIVID/COMMENT/RELEVANCE/NOVELTY. Everything that holds an id and both scores is accepted;
a truncated answer still yields the entries that were complete.

Tolerant of shape, strict on values: a score must be a number from 1 to 10 ("8", 8.0, "8/10";
7.6 rounds to 8). Anything else (42, -3, "high", missing) is rejected, never clamped: the paper
counts as not scored, so the scorer asks again and, failing that, leaves it unscored for the next run.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from bot.core.models import parse_arxiv_id

COMMENT_MAX = 200
_THINK = re.compile(r"<think>.*?(?:</think>|$)", re.DOTALL | re.IGNORECASE)  # reasoning models' preamble
_FENCE = re.compile(r"```[A-Za-z0-9_-]*\s*\n?(.*?)(?:```|$)", re.DOTALL)
_NUMBER = re.compile(r"\s*(-?\d+(?:\.\d+)?)\s*(?:/\s*10)?\s*")  # "8", "8.0", "8/10"; nothing else
_ID_KEYS = ("id", "arxivid", "paperid", "arxiv", "paper")
_REL_KEYS = ("relevance", "rel", "relevancescore")
_NOV_KEYS = ("novelty", "nov", "noveltyscore")
_COMMENT_KEYS = ("comment", "comments", "reason", "why", "explanation", "justification")


@dataclass(frozen=True, slots=True)
class ParsedScore:
    """One paper's verdict as read from an answer."""

    arxiv_id: str
    relevance: int
    novelty: int
    comment: str


def _norm_key(key: str) -> str:
    return re.sub(r"[^a-z]", "", key.lower())


def _pick(entry: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for k in keys:
        if k in entry:
            return entry[k]
    return None


def score_value(value: Any) -> int | None:
    """A 1-10 score from a number or numeric string ("8", "8/10", 7.6 -> 8); None if not a number in 1..10."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        number = float(value)
    else:
        m = _NUMBER.fullmatch(str(value))
        if not m:
            return None
        number = float(m.group(1))
    if not 1.0 <= number <= 10.0:  # also False for NaN; out of range is a wrong answer, not a 1 or a 10
        return None
    return int(round(number))


def _rejection(entry: dict[str, Any]) -> str:
    """Why an entry's scores were not accepted, in a few words (for the call record)."""
    parts = []
    for name, keys in (("relevance", _REL_KEYS), ("novelty", _NOV_KEYS)):
        raw = _pick(entry, keys)
        if score_value(raw) is None:
            parts.append(f"{name} missing" if raw is None else f"{name} {str(raw)[:20]!r} not in 1-10")
    return ", ".join(parts)


def one_line(text: Any, limit: int = COMMENT_MAX) -> str:
    """A comment as one line of at most `limit` characters."""
    s = " ".join(str(text or "").split())
    return s if len(s) <= limit else s[: limit - 1].rstrip() + "…"


def _json_values(text: str) -> list[Any]:
    """Every top-level JSON value in the text, skipping prose and broken (truncated) stretches."""
    decoder = json.JSONDecoder()
    values: list[Any] = []
    i, n = 0, len(text)
    while i < n:
        if text[i] in "{[":
            try:
                value, end = decoder.raw_decode(text, i)
            except ValueError:
                i += 1  # not valid from here (e.g. truncated): look for complete values inside it
                continue
            values.append(value)
            i = end
        else:
            i += 1
    return values


def _entries(value: Any) -> list[dict[str, Any]]:
    """Flatten {"papers": [...]}, bare lists and single objects into entry dicts with normalised keys."""
    if isinstance(value, list):
        return [e for v in value for e in _entries(v)]
    if not isinstance(value, dict):
        return []
    entry = {_norm_key(str(k)): v for k, v in value.items()}
    if _pick(entry, _ID_KEYS) is not None and not isinstance(_pick(entry, _ID_KEYS), list | dict):
        return [entry]
    # A wrapper such as {"papers": [...]} or {"results": [...]}: take every list inside it.
    return [e for v in value.values() if isinstance(v, list | dict) for e in _entries(v)]


@dataclass(frozen=True, slots=True)
class ParsedAnswer:
    """The valid scores of an answer, and why the other entries it held were rejected."""

    scores: dict[str, ParsedScore]
    rejected: dict[str, str]  # arXiv id -> reason ("relevance 42 not in 1-10")


def parse_answer(text: str) -> ParsedAnswer:
    """Scores by version-less arXiv id from an answer in any accepted shape (first valid entry per id wins)."""
    text = _THINK.sub("", text or "")
    fenced = _FENCE.findall(text)
    body = "\n".join(fenced) if fenced else text
    out: dict[str, ParsedScore] = {}
    rejected: dict[str, str] = {}
    for value in _json_values(body):
        for entry in _entries(value):
            raw_id = str(_pick(entry, _ID_KEYS)).strip()
            arxiv_id = parse_arxiv_id(raw_id) or raw_id
            relevance = score_value(_pick(entry, _REL_KEYS))
            novelty = score_value(_pick(entry, _NOV_KEYS))
            if arxiv_id in out:
                continue
            if relevance is None or novelty is None:
                rejected.setdefault(arxiv_id, _rejection(entry))
                continue
            out[arxiv_id] = ParsedScore(arxiv_id, relevance, novelty, one_line(_pick(entry, _COMMENT_KEYS)))
    return ParsedAnswer(out, {k: v for k, v in rejected.items() if k not in out})


def parse_scores(text: str) -> dict[str, ParsedScore]:
    """The valid scores of an answer by version-less arXiv id (see parse_answer)."""
    return parse_answer(text).scores
