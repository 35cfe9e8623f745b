"""A paper's full text as named sections, cut into passages, and the passages that answer a question.

The text is what bot.sources.html_text makes of arXiv's HTML (LaTeXML): one block per line, section
headings on lines of their own ("1 Introduction", "3.2 Training details", "Abstract", "References").
Retrieval ranks passages with BM25 (bm25s, Snowball-stemmed, English stop words) so a long paper fits
the prompt by its most relevant passages, each carrying its section's name for the answer to cite.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import bm25s
import Stemmer

PREAMBLE = "Title and authors"
WHOLE = "Full text"
MAX_HEADING_CHARS = 90
_NUMBERED = re.compile(r"^(?P<num>\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+(?P<title>[A-Z].*)$")
_LETTERED = re.compile(r"^(?:Appendix\s+)?(?P<num>[A-Z](?:\.\d{1,2}){0,3})\.?\s+(?P<title>[A-Z].*)$")
_NAMED = frozenset({"abstract", "introduction", "related work", "background", "method", "methods", "conclusion",
                    "conclusions", "discussion", "limitations", "acknowledgments", "acknowledgements",
                    "appendix", "references", "bibliography", "broader impact", "impact statement"})
_NOT_READ = frozenset({"references", "bibliography"})  # citations only: never worth a prompt's room
_NUMBER_WORD = re.compile(r"^[\d.,%±+-]+$")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
# bm25s sets its own logger to DEBUG on import; its per-call notes are not worth a line in the bot's log.
logging.getLogger("bm25s").setLevel(logging.WARNING)


@dataclass(frozen=True, slots=True)
class Section:
    """One section of a paper: its heading as printed ("3.2 Training details") and its text."""

    name: str
    text: str


@dataclass(frozen=True, slots=True)
class Passage:
    """A piece of a section small enough to quote; `order` is its place in the paper."""

    section: str
    text: str
    order: int = 0


def _heading(line: str, *, appendix: bool) -> bool:
    """Whether a line is a section heading (appendix letters count only after the references)."""
    if len(line) > MAX_HEADING_CHARS or line.endswith((".", ",", ";", ":")):
        return False
    if line.lower() in _NAMED:
        return True
    m = _NUMBERED.match(line) or (_LETTERED.match(line) if appendix else None)
    # A table row such as "2 Baseline 45.2 38.1" is no heading: titles hold no bare numbers.
    return bool(m) and not any(_NUMBER_WORD.match(w) for w in m.group("title").split())


def split_sections(text: str, *, abstract: str = "") -> list[Section]:
    """The paper's sections in order (references dropped); the abstract first when the text lacks one."""
    sections: list[Section] = []
    name, body, appendix = PREAMBLE, [], False
    for line in (ln.strip() for ln in text.splitlines()):
        if not line:
            continue
        if _heading(line, appendix=appendix):
            sections.append(Section(name, "\n".join(body)))
            name, body = line, []
            appendix = appendix or line.lower() in _NOT_READ or line.lower().startswith("appendix")
        else:
            body.append(line)
    sections.append(Section(name, "\n".join(body)))
    found = [s for s in sections if s.text and s.name.lower() not in _NOT_READ]
    if len(found) == 1 and found[0].name == PREAMBLE:  # no heading at all: one unnamed block
        found = [Section(WHOLE, found[0].text)]
    if abstract.strip() and not any(s.name.lower() == "abstract" for s in found):
        found.insert(0, Section("Abstract", " ".join(abstract.split())))
    return found


def _pieces(text: str, size: int) -> list[str]:
    """Paragraphs of `text`, long ones cut at sentence ends, so no piece is much longer than `size`."""
    out: list[str] = []
    for para in text.splitlines():
        sentences = _SENTENCE_END.split(para) if len(para) > size else [para]
        for s in sentences:
            out.extend(s[i:i + size] for i in range(0, len(s), size))
    return out


def passages(sections: Sequence[Section], *, size: int = 1200) -> list[Passage]:
    """Each section cut into passages of about `size` characters (whole paragraphs where they fit)."""
    out: list[Passage] = []
    for sec in sections:
        cur = ""
        for piece in _pieces(sec.text, size):
            if cur and len(cur) + 1 + len(piece) > size:
                out.append(Passage(sec.name, cur, len(out)))
                cur = ""
            cur = f"{cur}\n{piece}" if cur else piece
        if cur:
            out.append(Passage(sec.name, cur, len(out)))
    return out


@cache
def _stemmer() -> Stemmer.Stemmer:  # the ranker's stemmer (PyStemmer): one Snowball implementation in the app
    return Stemmer.Stemmer("english")


def _tokens(texts: list[str]) -> list[list[str]]:
    return bm25s.tokenize(texts, stopwords="en", stemmer=_stemmer(), return_ids=False, show_progress=False)


def relevance(candidates: Sequence[Passage], query: str) -> list[float]:
    """BM25 score of each passage for the query (0 for a passage sharing no word with it)."""
    if not candidates:
        return []
    query_tokens = _tokens([query])[0]
    if not query_tokens:
        return [0.0] * len(candidates)
    index = bm25s.BM25()
    index.index(bm25s.tokenize([p.text for p in candidates], stopwords="en", stemmer=_stemmer(),
                               show_progress=False), show_progress=False)
    return [float(s) for s in index.get_scores(query_tokens)]


def retrieve(candidates: Sequence[Passage], query: str, *, budget_chars: int = 9000) -> list[Passage]:
    """The passages that best answer `query` within `budget_chars`, in the paper's order.

    Best BM25 matches first; room left over goes to the paper's opening passages (abstract,
    introduction), which answer the broad questions ("what is new here?") no word ranks.
    """
    scores = relevance(candidates, query)
    ranked = sorted((i for i, s in enumerate(scores) if s > 0), key=lambda i: -scores[i])
    chosen: set[int] = set()
    used = 0
    for i in [*ranked, *range(len(candidates))]:
        size = len(candidates[i].text)
        if i in chosen or used + size > budget_chars:
            continue
        chosen.add(i)
        used += size
    return [candidates[i] for i in sorted(chosen)]
