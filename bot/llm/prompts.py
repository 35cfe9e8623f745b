"""Prompt templates: text files in bot/llm/prompts/, versioned by a hash of their text.

Placeholders are `{{name}}` (double braces, so JSON examples in a prompt need no escaping). `render`
is strict: a placeholder without a value, or a value without a placeholder, raises PromptError.
Scores and explanations are cached per prompt version, so editing a file invalidates them.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from bot.llm.injection import screen

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
# The delimiters the prompts put around paper text (<paper> for one, <papers> for a list); paper text
# must not be able to close them, nor open new ones.
_PAPER_TAGS = re.compile(r"</?\s*papers?\s*>", re.IGNORECASE)


class PromptError(KeyError):
    """A prompt is missing, or was rendered with missing or unexpected variables."""


@dataclass(frozen=True, slots=True)
class Prompt:
    """A prompt template's text and its short content hash."""

    text: str
    version: str

    @property
    def placeholders(self) -> frozenset[str]:
        """The variable names the template expects."""
        return frozenset(_PLACEHOLDER.findall(self.text))


def text_version(*texts: str) -> str:
    """A short sha256 over one or more texts (order matters)."""
    h = hashlib.sha256()
    for t in texts:
        h.update(t.encode("utf-8"))
        h.update(b"\x00")  # so ("ab", "c") and ("a", "bc") differ
    return h.hexdigest()[:12]


def prompt_names() -> list[str]:
    """Names of every shipped prompt (file names without .txt), sorted."""
    folder = resources.files("bot.llm").joinpath("prompts")
    return sorted(p.name[:-4] for p in folder.iterdir() if p.name.endswith(".txt"))


@cache
def load_prompt(name: str) -> Prompt:
    """Read bot/llm/prompts/<name>.txt (the .txt suffix is optional)."""
    stem = name[:-4] if name.endswith(".txt") else name
    path = resources.files("bot.llm").joinpath("prompts", f"{stem}.txt")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PromptError(f"no prompt named {stem!r}") from None
    return Prompt(text=text.strip() + "\n", version=text_version(text.strip()))


def render(name: str, **variables: object) -> str:
    """Fill a prompt's `{{placeholders}}`; every placeholder needs a value and every value a placeholder."""
    prompt = load_prompt(name)
    expected = prompt.placeholders
    missing = sorted(expected - variables.keys())
    unexpected = sorted(variables.keys() - expected)
    if missing or unexpected:
        raise PromptError(f"prompt {name!r}: missing {missing}, unexpected {unexpected}")
    # One pass, so a value that itself contains "{{x}}" (an abstract, a question) is never expanded.
    return _PLACEHOLDER.sub(lambda m: str(variables[m.group(1)]), prompt.text)


# A line of a paper list opens with its id ("[2601.00001] Title"): the id is ours, never screened away.
_ID_PREFIX = re.compile(r"^\[[^\]\s]+\]\s+")


def untrusted(text: str) -> str:
    """Neutralise paper text before it goes between <paper> or <papers> delimiters.

    It cannot close (or open) them, and each line (a title, an abstract, a note) has its sentences and
    asides that address the model cut out (bot.llm.injection.screen).
    """
    lines = []
    for line in _PAPER_TAGS.sub(" ", text).split("\n"):
        prefix = m.group(0) if (m := _ID_PREFIX.match(line)) else ""
        lines.append(prefix + screen(line[len(prefix):]).text)
    return "\n".join(lines)
