"""Slack mrkdwn text: escaping (so no title can ping anyone), links, inline spans, and safe chunking."""

from __future__ import annotations

import re

from bot.core.message import Inline

# Slack decodes only these three entities; everything else must stay as written.
_ENTITIES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"))
# "@here" typed as plain words is not a mention once < > are escaped, but mrkdwn with verbatim=false
# and notification fallbacks may still parse it: a word joiner after "@" makes sure it never is.
_BROADCAST = re.compile(r"@(here|channel|everyone)\b", re.IGNORECASE)
_WORD_JOINER = "\u2060"
# A '|' in a link label would end Slack's "<url|label>" early; this look-alike never does.
_PIPE_LOOKALIKE = "\u2223"
_SAFE_SCHEMES = ("http://", "https://", "mailto:")

# Atoms that must never be cut: <...> markup, entities, line breaks, runs of spaces, words.
_ATOM = re.compile(r"<[^<>\n]*>|&(?:amp|lt|gt);|\n|[ \t]+|[^\s<&]+|.", re.DOTALL)


def defuse(text: str) -> str:
    """Break @here/@channel/@everyone so they read the same but notify nobody."""
    return _BROADCAST.sub(lambda m: "@" + _WORD_JOINER + m.group(1), text)


def escape(text: str) -> str:
    """Raw text -> mrkdwn-safe text: &, <, > as entities and broadcast words defused."""
    for ch, ent in _ENTITIES:
        text = text.replace(ch, ent)
    return defuse(text)


def unescape(text: str) -> str:
    """Undo Slack's entity escaping of incoming text (slash-command arguments)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def truncate_escaped(text: str, limit: int) -> str:
    """Escape `text` and cut it to at most `limit` characters, never inside an entity."""
    out: list[str] = []
    size = 0
    raw = defuse(text)
    pieces = [dict(_ENTITIES).get(ch, ch) for ch in raw]
    if sum(len(p) for p in pieces) <= limit:
        return "".join(pieces)
    for p in pieces:
        if size + len(p) > limit - 1:
            break
        out.append(p)
        size += len(p)
    return "".join(out).rstrip() + "…"


def safe_url(url: str) -> str | None:
    """A URL fit for "<url|label>" (no < > | or spaces), or None for schemes we never link."""
    u = url.strip()
    if not u.lower().startswith(_SAFE_SCHEMES):
        return None
    u = u.replace("<", "%3C").replace(">", "%3E").replace("|", "%7C").replace(" ", "%20")
    return u.replace("&", "&amp;")


def link(url: str, label: str, *, limit: int = 500) -> str:
    """A mrkdwn link with an escaped label; plain label text when the URL is not linkable."""
    text = truncate_escaped(label, limit).replace("|", _PIPE_LOOKALIKE)
    target = safe_url(url)
    return f"<{target}|{text}>" if target else text


def _wrap(marker: str, text: str) -> str:
    # Slack only formats *bold* when the markers touch the words: keep outer spaces outside.
    core = text.strip()
    if not core:
        return text
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()):]
    return f"{lead}{marker}{core}{marker}{trail}"


def inline(spans: tuple[Inline, ...] | list[Inline]) -> str:
    """Neutral spans -> one mrkdwn string."""
    out: list[str] = []
    for s in spans:
        if isinstance(s, str):
            out.append(escape(s))
            continue
        if s.url:
            t = link(s.url, s.text)
        elif s.code:
            t = "`" + escape(s.text.replace("`", "'")) + "`"
        else:
            t = escape(s.text)
        if s.italic:
            t = _wrap("_", t)
        if s.bold:
            t = _wrap("*", t)
        out.append(t)
    return "".join(out)


def _atoms(text: str, limit: int) -> list[str]:
    atoms: list[str] = []
    for a in _ATOM.findall(text):
        while len(a) > limit:  # a single enormous word: cut it, there is no better place
            atoms.append(a[:limit])
            a = a[limit:]
        atoms.append(a)
    return atoms


def chunk(text: str, limit: int) -> list[str]:
    """Split mrkdwn into pieces of at most `limit` chars, at line breaks or spaces, never inside markup."""
    if len(text) <= limit:
        return [text] if text.strip() else []
    pieces: list[str] = []
    cur = ""
    for atom in _atoms(text, limit):
        if len(cur) + len(atom) > limit:
            cut = cur.rfind("\n")
            if cut >= limit // 2:  # a line break near the end is the nicest place to split
                pieces.append(cur[:cut])
                cur = cur[cut + 1:]
            if len(cur) + len(atom) > limit:
                pieces.append(cur)
                cur = ""
        cur += atom
    pieces.append(cur)
    return [p.strip() for p in pieces if p.strip()]
