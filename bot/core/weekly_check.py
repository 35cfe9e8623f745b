"""Validation of a model's weekly report: every paper it names must be a picked paper of the week.

A wrong id whose title is a real paper's is repaired, anything else invented is dropped, lists are
capped, the team's most-voted papers get a place, and each change is noted for the log.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from difflib import SequenceMatcher
from typing import TYPE_CHECKING, Any

from bot.core.models import parse_arxiv_id

if TYPE_CHECKING:  # bot.core.weekly re-exports this module: no import back at run time
    from bot.core.weekly import Week, WeekPaper

MAX_BREAKTHROUGHS, MAX_TRENDS, MAX_NOTABLE, MAX_HONORABLE, MAX_ITEMS = 3, 5, 5, 5, 5
VOTES_FOR_NOTABLE = 2  # a paper the team voted up this much is never left out of the report
_ID_IN_TEXT = re.compile(r"(?<![\d.])(\d{2}(?:0[1-9]|1[0-2])\.\d{4,5})(?:v\d+)?(?!\d)")  # YYMM.NNNNN
_CLAUSE = re.compile(r"(?<=[.;!?])\s+")
_COUNT = re.compile(r"\b(\d+|no|zero|one|two|three) breakthroughs?\b", re.IGNORECASE)


def norm_title(title: str) -> str:
    """Lower-case words of a title without LaTeX or punctuation, for comparing titles."""
    return " ".join(re.findall(r"[a-z0-9]+", re.sub(r"\\[a-zA-Z]+", " ", title.lower())))


def _text(value: Any, limit: int) -> str:
    s = " ".join(str(value).split()) if isinstance(value, str | int | float) else ""
    return s if len(s) <= limit else s[: limit - 1].rsplit(" ", 1)[0] + "…"


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


class Resolver:
    """Maps the (id, title) a model wrote to a real paper of the week: exact id, else a matching title."""

    def __init__(self, papers: Sequence[WeekPaper]) -> None:
        self.by_id = {p.arxiv_id: p for p in papers}
        self.titles = {norm_title(p.title): p for p in papers}
        self.renamed: dict[str, str] = {}  # wrong id the model wrote -> the real one, for its free text

    def by_title(self, title: str) -> WeekPaper | None:
        """The week's paper with this title (exact, a unique prefix such as the part before the colon, or ≥ 0.9 alike)."""
        n = norm_title(title)
        if not n:
            return None
        if n in self.titles:
            return self.titles[n]
        prefixed = [p for t, p in self.titles.items() if len(n.split()) >= 3 and t.startswith(n + " ")]
        if len(prefixed) == 1:
            return prefixed[0]
        scored = [(SequenceMatcher(None, n, t).ratio(), p) for t, p in self.titles.items()]
        ratio, paper = max(scored, key=lambda x: x[0], default=(0.0, None))
        return paper if ratio >= 0.9 else None

    def resolve(self, arxiv_id: Any, title: Any) -> tuple[WeekPaper | None, str]:
        """The real paper and a note for the log ("" when the model named it right)."""
        raw = str(arxiv_id or "").strip()
        pid = parse_arxiv_id(raw) or raw
        title = str(title or "")
        hit = self.by_id.get(pid)
        named = self.by_title(title) if title else None
        if hit is not None and (named is None or named is hit
                                or SequenceMatcher(None, norm_title(title), norm_title(hit.title)).ratio() >= 0.9):
            return hit, ""
        if named is not None:
            self.renamed.setdefault(pid, named.arxiv_id)
            why = "is another paper's" if hit is not None else "is not a paper of this week"
            return named, f"repaired {raw or '(no id)'} -> {named.arxiv_id}: the id {why}, the title {named.title!r} is this week's"
        return None, f"dropped {raw or '(no id)'} {title!r}: not a paper of this week"

    def scrub(self, text: str, notes: list[str], where: str) -> str:
        """Drop the clauses of free text that name an arXiv id not of this week; fix repaired ids."""
        kept = []
        for clause in _CLAUSE.split(text):
            unknown = [i for i in _ID_IN_TEXT.findall(clause) if i not in self.by_id and i not in self.renamed]
            if unknown:
                notes.append(f"removed from the {where} a passage naming {', '.join(unknown)}: not a paper of this week")
                continue
            kept.append(_ID_IN_TEXT.sub(lambda m: self.renamed.get(m.group(1), m.group(1)), clause))
        return " ".join(kept)


def _ref(p: WeekPaper) -> dict[str, Any]:
    return {"arxiv_id": p.arxiv_id, "title": p.title, "url": p.pick.paper.abs_url, "votes": p.votes}


def validate_report(raw: Mapping[str, Any], week: Week) -> tuple[dict[str, Any], list[str]]:
    """The model's report with every named paper checked against the week (repaired or dropped), lists
    capped, the team's most-voted papers guaranteed a place, and notes saying what was changed."""
    notes: list[str] = []
    res = Resolver(week.papers)
    used: set[str] = set()

    def real(item: Any, section: str) -> WeekPaper | None:
        item = item if isinstance(item, Mapping) else {}
        paper, note = res.resolve(item.get("arxiv_id"), item.get("title"))
        if note:
            notes.append(f"{section}: {note}")
        if paper is None or paper.arxiv_id in used:
            return None
        used.add(paper.arxiv_id)
        return paper

    breakthroughs = []
    for item in _items(raw.get("breakthroughs")):
        p = real(item, "breakthrough")
        if p is None:
            continue
        if len(breakthroughs) == MAX_BREAKTHROUGHS:
            notes.append(f"breakthrough: kept the first {MAX_BREAKTHROUGHS}; {p.arxiv_id} left out")
            used.discard(p.arxiv_id)
            continue
        breakthroughs.append({**_ref(p), "why_novel": _text(item.get("why_novel"), 600),
                              "key_innovations": [s for x in _items(item.get("key_innovations"))[:MAX_ITEMS]
                                                  if (s := _text(x, 300))],
                              "evidence": [s for x in _items(item.get("evidence"))[:MAX_ITEMS] if (s := _text(x, 300))],
                              "impact": _text(item.get("impact"), 600)})
    notable = [{**_ref(p), "line": _text(item.get("line"), 300), "added_for_votes": False}
               for item in _items(raw.get("notable")) if (p := real(item, "notable")) is not None][:MAX_NOTABLE]
    honorable = [_ref(p) for item in _items(raw.get("honorable_mentions"))
                 if (p := real(item, "honorable mention")) is not None][:MAX_HONORABLE]
    _add_voted(week, breakthroughs, notable, honorable, notes)
    trends = _trends(raw, res, notes)
    for b in breakthroughs:
        for key in ("why_novel", "impact"):
            b[key] = res.scrub(b[key], notes, f"breakthrough {b['arxiv_id']}")
        for key in ("key_innovations", "evidence"):
            b[key] = [s for x in b[key] if (s := res.scrub(x, notes, f"breakthrough {b['arxiv_id']}"))]
    for n in notable:
        n["line"] = res.scrub(n["line"], notes, f"notable {n['arxiv_id']}")
    summary = _summary(res.scrub(_text(raw.get("summary"), 2000), notes, "summary"), week, breakthroughs, notes)
    return {
        "breakthrough_count": len(breakthroughs), "summary": summary,
        "key_takeaway": res.scrub(_text(raw.get("key_takeaway"), 400), notes, "key takeaway"),
        "breakthroughs": breakthroughs, "trends": trends, "notable": notable, "honorable_mentions": honorable,
    }, notes


def _add_voted(week: Week, breakthroughs: list, notable: list, honorable: list, notes: list[str]) -> None:
    """Put every paper with ≥ VOTES_FOR_NOTABLE net votes the model left out into the notable papers."""
    named = {x["arxiv_id"] for x in breakthroughs + notable}
    for p in week.voted(VOTES_FOR_NOTABLE):
        if p.arxiv_id in named:
            continue
        honorable[:] = [h for h in honorable if h["arxiv_id"] != p.arxiv_id]
        unforced = [i for i, n in enumerate(notable) if not n["added_for_votes"]]
        if len(notable) >= MAX_NOTABLE and unforced:  # make room: the model's last notable paper moves down
            demoted = notable.pop(unforced[-1])
            honorable.insert(0, {k: demoted[k] for k in ("arxiv_id", "title", "url", "votes")})
            for h in honorable[MAX_HONORABLE:]:
                notes.append(f"honorable mention: {h['arxiv_id']} left out to make room")
            del honorable[MAX_HONORABLE:]
        line = _text(p.pick.score.comment or p.pick.paper.abstract, 300)
        notable.append({**_ref(p), "line": line, "added_for_votes": True})
        notes.append(f"notable: added {p.arxiv_id} ({p.votes:+d} votes), which the model left out")


def _trends(raw: Mapping[str, Any], res: Resolver, notes: list[str]) -> list[dict[str, Any]]:
    trends = []
    for item in _items(raw.get("trends")):
        item = item if isinstance(item, Mapping) else {}
        name = _text(item.get("name"), 100)
        papers: dict[str, WeekPaper] = {}
        for pid in _items(item.get("arxiv_ids")):
            paper, note = res.resolve(pid, "")
            if note:
                notes.append(f"trend {name!r}: {note}")
            if paper is not None:
                papers[paper.arxiv_id] = paper
        if not name or not papers:
            notes.append(f"dropped trend {name!r}: it names no paper of this week")
            continue
        trends.append({"name": name, "description": res.scrub(_text(item.get("description"), 400), notes, "trends"),
                       "papers": [{"arxiv_id": p.arxiv_id, "title": p.title} for p in papers.values()]})
    return trends[:MAX_TRENDS]


def _summary(text: str, week: Week, breakthroughs: list[dict[str, Any]], notes: list[str]) -> str:
    """The summary with the true breakthrough count, naming every breakthrough by id."""
    k = len(breakthroughs)
    fixed = _COUNT.sub(f"{k} breakthrough{'' if k == 1 else 's'}", text)
    if fixed != text and _COUNT.findall(text) != _COUNT.findall(fixed):
        notes.append(f"summary: breakthrough count corrected to {k}")
    if not fixed:
        fixed = f"{len(week.papers)} papers analyzed; {k} breakthrough{'' if k == 1 else 's'}."
    missing = [b["arxiv_id"] for b in breakthroughs if b["arxiv_id"] not in fixed]
    if missing:
        fixed += " Breakthroughs: " + "; ".join(f"{b['arxiv_id']} ({b['title']})" for b in breakthroughs
                                                if b["arxiv_id"] in missing) + "."
    return fixed
