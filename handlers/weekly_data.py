"""The week's data for the report: picks from storage, criteria topics, counts, evidence, the no-LLM digest."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlite_utils import Database

from bot.core.models import Criteria, Paper
from bot.core.weekly import Week, WeekPaper, report_header, week_bounds
from handlers.deps import Deps
from storage import digests
from storage import papers as paper_store

EVIDENCE_CHARS = 1500  # per paper: the sentences of its cached full text that state results


async def load_week(deps: Deps, team: str, week: str) -> Week:
    """The team's picks of an ISO week (each paper once, the most upvoted first) with full-text evidence."""
    start, end = week_bounds(week)
    rows = await deps.store.call(digests.picks_between, team, start, end)
    seen: dict[str, dict] = {}
    for r in rows:
        seen.setdefault(r["arxiv_id"], r)  # a paper picked on two days counts once, at its best row
    texts = await deps.store.call(_full_texts, list(seen))
    papers = tuple(
        WeekPaper(digests.row_to_pick(r), date.fromisoformat(r["day"]),
                  evidence_excerpt(texts[i], limit=EVIDENCE_CHARS) if texts.get(i) else "")
        for i, r in seen.items()
    )
    return Week(team=team, week=week, start=start, end=end, papers=papers)


def _full_texts(db: Database, ids: list[str]) -> dict[str, str]:
    """Cached full texts of the papers that have one."""
    return {i: t for i in ids if (t := paper_store.get_full_text(db, i))}


@dataclass(frozen=True, slots=True)
class Topic:
    """A heading of the team's criteria and the terms that place a paper under it."""

    name: str
    terms: tuple[str, ...]


_HEADING = re.compile(r"^\s*(?:\d{1,2}[.)]|#{1,4})\s+(.+?)\s*:?\s*$")
_RELEVANT = re.compile(r"^\s*[-*]?\s*(?:\*\*)?relevant(?:\*\*)?\s*:\s*(.*)$", re.IGNORECASE)
_OTHER_BULLET = re.compile(r"^\s*[-*]\s*\S")
_SPLIT_TERMS = re.compile(r",|;|/|\(|\)|\band\b|\bor\b")
# Words of criteria prose that name no topic on their own ("analysis/innovations on …", "or other …").
_GENERIC = {"analysis", "algorithmic", "feature", "features", "conditional", "other", "insights", "innovations",
            "methods", "approaches", "theoretical", "novel", "new", "existing", "models", "model", "on", "of", "for",
            "in", "to", "with", "the", "a", "an"}


def criteria_topics(criteria: Criteria) -> tuple[Topic, ...]:
    """Topics from the numbered headings of the criteria text (their "Relevant:" terms and matching
    keywords); without headings, one topic per keyword."""
    blocks: list[tuple[str, list[str], str]] = []  # (heading, relevant text lines, whole block text)
    in_relevant = False
    for line in criteria.topics.replace("**", "").splitlines():
        head = _HEADING.match(line)
        if head and not _RELEVANT.match(line):
            blocks.append((head.group(1).strip(), [], line))
            in_relevant = False
            continue
        if not blocks:
            continue
        name, rel, text = blocks[-1]
        blocks[-1] = (name, rel, text + "\n" + line)
        m = _RELEVANT.match(line)
        if m:
            rel.append(m.group(1))
            in_relevant = True
        elif _OTHER_BULLET.match(line):
            in_relevant = False
        elif in_relevant:
            rel.append(line)
    if not blocks:
        return tuple(Topic(k, (k,)) for k in criteria.keywords[:8])
    topics = []
    for name, rel, text in blocks:
        terms = [name]
        for part in _SPLIT_TERMS.split(" ".join(rel)):
            words = [w for w in part.strip(" .:-\t").split() if w.lower() not in _GENERIC]
            if words and len(words) <= 3 and len(" ".join(words)) >= 3:
                terms.append(" ".join(words))
        terms += [k for k in criteria.keywords if k.lower() in text.lower()]
        unique = {t.lower(): t for t in reversed(terms)}  # first spelling wins
        topics.append(Topic(name, tuple(sorted(unique.values(), key=terms.index))))
    return tuple(topics)


def _term_pattern(term: str) -> re.Pattern[str]:
    words = [re.escape(w.rstrip("s") if len(w) > 4 else w) for w in re.split(r"[\s\-]+", term.lower()) if w]
    return re.compile(r"(?<![a-z0-9])" + r"[\s\-]?".join(words) + r"(?:s|es|d|ed)?(?![a-z0-9])")


def topic_of(paper: Paper, topics: Sequence[Topic]) -> str:
    """The topic whose terms a paper's title and abstract mention most (title hits count double); "Other"."""
    title, abstract = paper.title.lower(), paper.abstract.lower()
    best, best_hits = "Other", 0
    for t in topics:
        hits = 0
        for term in t.terms:
            pat = _term_pattern(term)
            hits += 2 * len(pat.findall(title)) + len(pat.findall(abstract))
        if hits > best_hits:
            best, best_hits = t.name, hits
    return best


def week_stats(week: Week, topics: Sequence[Topic]) -> dict[str, Any]:
    """Picks and net votes per day (Mon–Fri always, weekend days when they have picks) and per topic."""
    per_day = []
    for i in range(7):
        day = week.start + timedelta(days=i)
        ps = [p for p in week.papers if p.day == day]
        if i < 5 or ps:
            per_day.append([day.isoformat(), len(ps), sum(p.votes for p in ps)])
    counts: dict[str, list[int]] = {t.name: [0, 0] for t in topics}
    for p in week.papers:
        c = counts.setdefault(topic_of(p.pick.paper, topics), [0, 0])
        c[0] += 1
        c[1] += p.votes
    return {
        "per_day": per_day,
        "topics": [[name, n, v] for name, (n, v) in counts.items() if n],
        "votes_total": sum(p.votes for p in week.papers),
        "voted_papers": sum(1 for p in week.papers if p.votes),
    }


# --- evidence from full text -----------------------------------------------------------------------

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\[])")
_CUES = re.compile(
    r"\b(?:outperform\w*|achiev\w*|improv\w*|reduc\w*|speed-?ups?|faster|theorem|prove[sn]?|we show|bound\w*|"
    r"table \d+|fig(?:ure|\.)\s?\d+|accuracy|perplexity|state-of-the-art|ablation|benchmark\w*)\b"
    r"|\d+(?:\.\d+)?\s?(?:%|×|x\b)",
    re.IGNORECASE,
)


def evidence_excerpt(full_text: str, *, limit: int = 1500) -> str:
    """Sentences of a paper's full text that state results (numbers, theorems, tables), in text order."""
    sentences = [s.strip() for s in _SENTENCE.split(" ".join(full_text.split())) if 40 <= len(s) <= 400]
    ranked = sorted(range(len(sentences)), key=lambda i: -len(_CUES.findall(sentences[i])))
    chosen: list[int] = []
    used = 0
    for i in ranked:
        if not _CUES.search(sentences[i]) or used + len(sentences[i]) > limit:
            continue
        chosen.append(i)
        used += len(sentences[i]) + 1
    return " ".join(sentences[i] for i in sorted(chosen))


# --- without an LLM: a digest of the week from scores and votes alone ------------------------------

LOCAL_LABEL = ("Built without an LLM: ranked by the daily scores (relevance + novelty) and the team's votes; "
               "no breakthroughs are judged. Configure an LLM (OPENAI_API_KEY) for the synthesised report.")


def local_report(week: Week, stats: dict[str, Any], *, top: int = 5) -> dict[str, Any]:
    """The weekly digest an LLM-less bot posts: top papers, most voted papers, counts per topic."""
    def ref(p: WeekPaper) -> dict[str, Any]:
        s = p.pick.score
        return {"arxiv_id": p.arxiv_id, "title": p.title, "url": p.pick.paper.abs_url, "votes": p.votes,
                "relevance": s.relevance, "novelty": s.novelty, "line": s.comment, "day": p.day.isoformat()}

    ranked = sorted(week.papers, key=lambda p: (-((p.pick.score.relevance or 0) + (p.pick.score.novelty or 0)),
                                                 -p.votes, p.arxiv_id))
    voted = [p for p in week.voted(1)]
    topics = ", ".join(f"{name} ({n})" for name, n, _ in sorted(stats["topics"], key=lambda t: -t[1])[:4])
    summary = f"{len(week.papers)} papers were picked this week."
    if topics:
        summary += f" By topic: {topics}."
    if voted:
        summary += f" Most voted: {voted[0].arxiv_id} {voted[0].title} ({voted[0].votes:+d})."
    return {**report_header(week, scorer="local"), "label": LOCAL_LABEL, "summary": summary, "key_takeaway": "",
            "breakthrough_count": 0, "breakthroughs": [], "trends": [], "notable": [], "honorable_mentions": [],
            "top_papers": [ref(p) for p in ranked[:top]], "most_voted": [ref(p) for p in voted[:top]],
            "stats": stats, "notes": [], "cost_usd": 0.0, "llm_calls": 0}
