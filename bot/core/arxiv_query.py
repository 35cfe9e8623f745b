"""What a user types after `/papers search --arxiv`, as an arXiv API `search_query`.

    "mixture of experts" routing       ->  "mixture of experts" AND routing
    ti:transformer au:"Yoshua Bengio"  ->  ti:transformer AND au:"Yoshua Bengio"
    cat:cs.lg quantization OR pruning  ->  cat:cs.LG AND quantization OR pruning

Words are ANDed (arXiv's own default would OR them); "quoted phrases" stay phrases; the field prefixes
ti: au: abs: cat: co: jr: all: (and title: author: abstract: comment:) name a field; AND, OR and ANDNOT in
capitals combine terms. Anything else that is syntax to arXiv (parentheses, stray quotes, colons,
wildcards) is dropped, so no input can produce a query arXiv rejects or reads differently than shown.
"""

from __future__ import annotations

import re

from bot.core.categories import is_known_category, suggest_category

FIELDS = {"ti": "ti", "title": "ti", "au": "au", "author": "au", "abs": "abs", "abstract": "abs", "cat": "cat",
          "co": "co", "comment": "co", "jr": "jr", "all": "all"}
OPERATORS = frozenset({"AND", "OR", "ANDNOT"})
MAX_TERMS = 20  # a longer query is cut: arXiv answers long boolean queries slowly, if at all

_TOKEN = re.compile(r'(?:[A-Za-z]+:)?"[^"]*(?:"|$)|\S+')
_PREFIX = re.compile(r"([A-Za-z]+):(.*)", re.DOTALL)
_WORD = re.compile(r"[\w.'-]+")  # letters, digits, _ . ' - : what stays of a word (GPT-4, O'Brien, cs.LG)


class QueryError(ValueError):
    """The words make no arXiv query: nothing left to search for, or a category arXiv does not have."""


def _words(value: str) -> list[str]:
    return [w.strip("-.'") for w in _WORD.findall(value) if w.strip("-.'")]


def _category(value: str) -> str:
    name = value.strip().strip('"')
    if is_known_category(name):
        return name
    known = suggest_category(name)
    if known is None:
        raise QueryError(f"{name[:40]!r} is not an arXiv category (e.g. cs.LG, math.OC, quant-ph).")
    return known


def _term(token: str) -> str | None:
    """One token as an arXiv term (`ti:word`, `"a phrase"`, `au:"First Last"`), None when nothing is left."""
    m = _PREFIX.fullmatch(token)
    field = FIELDS.get(m.group(1).lower(), "") if m else ""
    value = m.group(2) if m and field else token
    if field == "cat":
        return f"cat:{_category(value)}"
    words = _words(value)
    if not words or (not field and words in (["AND"], ["OR"], ["ANDNOT"])):  # a word arXiv would read as an operator
        return None
    body = words[0] if len(words) == 1 else '"' + " ".join(words) + '"'
    return f"{field}:{body}" if field else body


def api_query(text: str) -> str:
    """The arXiv `search_query` for what the user typed; QueryError when nothing searchable is left."""
    flat = " ".join(text.replace("“", '"').replace("”", '"').split())
    parts: list[str] = []
    op = "AND"
    terms = 0
    for token in _TOKEN.findall(flat):
        if token in OPERATORS:
            op = token if parts else "AND"  # an operator before the first term has nothing to join
            continue
        term = _term(token)
        if term is None:
            continue
        if terms == MAX_TERMS:
            break
        parts += [op, term] if parts else [term]
        op, terms = "AND", terms + 1
    if not parts:
        raise QueryError("There is nothing to search arXiv for: give some words, a \"quoted phrase\" or a field "
                         "such as ti:, au:, abs:, cat:.")
    return " ".join(parts)
