"""Compact text for prompts: clean LaTeX and whitespace, trim abstracts, render criteria and papers."""

from __future__ import annotations

import re

from bot.core.models import Criteria, Paper
from bot.llm.injection import strip_instructions

# RSS abstracts start with "arXiv:2501.09412v1 Announce Type: new  Abstract: ".
_RSS_PREFIX = re.compile(r"^\s*arXiv:\S+\s+Announce Type:\s*\S+\s+Abstract:\s*", re.IGNORECASE)
# Formatting commands whose argument is the text: \textbf{x} -> x. Repeated for nesting.
_UNWRAP = re.compile(
    r"\\(?:text(?:bf|it|tt|sc|sf|rm|up|normal)?|emph|underline|mathrm|mathbf|mathit|mathsf|mathtt|"
    r"mathcal|mathbb|mathfrak|mathscr|boldsymbol|bm|operatorname|url|hat|tilde|bar|vec|overline)\s*"
    r"\{([^{}]*)\}"
)
_HREF = re.compile(r"\\href\s*\{[^{}]*\}\s*\{([^{}]*)\}")
_SYMBOLS = {
    r"\times": "×", r"\approx": "≈", r"\sim": "~", r"\leq": "≤", r"\le": "≤", r"\geq": "≥",
    r"\ge": "≥", r"\neq": "≠", r"\in": "∈", r"\to": "→", r"\rightarrow": "→", r"\infty": "∞",
    r"\cdot": "·", r"\pm": "±", r"\%": "%", r"\&": "&", r"\_": "_", r"\#": "#", r"\$": "$",
}
_SYMBOL_RE = re.compile("|".join(re.escape(k) + (r"(?![A-Za-z])" if k[-1].isalpha() else "")
                                 for k in sorted(_SYMBOLS, key=len, reverse=True)))
_COMMAND = re.compile(r"\\([A-Za-z]+)\s*")  # any other command: keep its name (\alpha -> alpha)
_SPACE = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])")
_WORD = re.compile(r"\w+")


def clean_text(text: str) -> str:
    """Collapse whitespace and strip LaTeX markup, keeping every word a reader would see."""
    text = _RSS_PREFIX.sub("", text)
    text = _HREF.sub(r"\1", text)
    for _ in range(3):
        text, n = _UNWRAP.subn(r"\1", text)
        if not n:
            break
    text = _SYMBOL_RE.sub(lambda m: _SYMBOLS[m.group(0)], text)
    text = _COMMAND.sub(r"\1 ", text)
    text = text.replace("$", "").replace("{", "").replace("}", "")
    text = text.replace("``", '"').replace("''", '"')
    return _SPACE.sub(" ", text).strip()


def distinct_words(text: str) -> set[str]:
    """Lower-cased distinct words, as a reader (or the benchmark's oracle) counts them."""
    return set(_WORD.findall(text.lower()))


def trim_abstract(text: str, max_chars: int, *, min_word_coverage: float = 0.6) -> str:
    """Clean an abstract and cut it at a sentence boundary near max_chars.

    The cut never keeps fewer than `min_word_coverage` of the abstract's distinct words: a model
    cannot judge what it was not shown, so long abstracts run on, sentence by sentence, until it holds.
    """
    text = clean_text(text)
    if len(text) <= max_chars:
        return text
    sentences = _SENTENCE_END.split(text)
    all_words = distinct_words(text)
    kept: list[str] = []
    seen: set[str] = set()
    length = 0
    for sentence in sentences:
        covered = len(seen) >= min_word_coverage * len(all_words)
        # Stop at the boundary nearest max_chars: take a sentence only if it ends closer to it.
        if kept and covered and length + len(sentence) + 1 - max_chars > max_chars - length:
            break
        kept.append(sentence)
        seen |= distinct_words(sentence)
        length += len(sentence) + 1
    if len(kept) == 1 and length > max_chars * 1.5:
        kept = _cut_words(kept[0], max_chars, min_word_coverage * len(all_words))
    out = " ".join(kept)
    return out if out == text else out + " …"


def _cut_words(text: str, max_chars: int, min_words: float) -> list[str]:
    """Cut one endless "sentence" (no punctuation) at a word boundary, keeping min_words distinct words."""
    kept: list[str] = []
    seen: set[str] = set()
    length = 0
    for word in text.split(" "):
        if length >= max_chars and len(seen) >= min_words:
            break
        kept.append(word)
        seen |= distinct_words(word)
        length += len(word) + 1
    return kept


def _oneline(text: str) -> str:
    return _SPACE.sub(" ", text.replace("**", "")).strip()


def render_criteria(criteria: Criteria) -> str:
    """The team's criteria as the model needs them: topics, keywords, exclusions, watched authors."""
    topics = "\n".join(line.rstrip() for line in criteria.topics.replace("**", "").splitlines() if line.strip())
    parts = [topics or "(no topics given: judge general interest to machine-learning researchers)"]
    if criteria.keywords:
        parts.append("Relevant keywords: " + ", ".join(_oneline(k) for k in criteria.keywords))
    if criteria.exclude:
        parts.append("Excluded (not wanted): " + ", ".join(_oneline(k) for k in criteria.exclude))
    if criteria.authors:
        parts.append("Watched authors: " + ", ".join(_oneline(a) for a in criteria.authors))
    return "\n".join(parts)


def render_paper(paper: Paper, *, max_abstract_chars: int, min_word_coverage: float = 0.6) -> str:
    """One paper as "[<id>] <title>" and its trimmed abstract on the next line.

    Text addressed to the model is taken out first, so the trim keeps as much of the paper as without it.
    """
    head = f"[{paper.arxiv_id}] {clean_text(strip_instructions(paper.title))}"
    abstract = trim_abstract(strip_instructions(paper.abstract), max_abstract_chars,
                             min_word_coverage=min_word_coverage)
    return f"{head}\n{abstract}" if abstract else head
