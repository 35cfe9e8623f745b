"""Discord markdown: escaping raw text, inline spans, clipping and splitting text within limits.

Every string from the neutral model is raw (a paper title, a user's words): it goes through `escape`
before it reaches Discord, so `**`, `[x](y)`, `@everyone` or `<@123>` in a title shows as written and
never formats or pings (AllowedMentions.none() on every send is the second guard).
"""

from __future__ import annotations

import re

from discord.utils import escape_mentions

from bot.core.message import Inline

# Characters that start markdown anywhere in a line (emphasis, code, spoilers, masked links, mentions).
_INLINE = re.compile(r"([\\*_~`|\[\]<>])")
# Constructs only active at the start of a line: block quotes, lists, headings, subtext ("-# ").
_LINE_START = re.compile(r"^(\s*)([>#\-+])", re.MULTILINE)
_NUMBERED = re.compile(r"^(\s*)(\d+)\.", re.MULTILINE)  # "1." starts a list: escape the dot
# Bare URLs keep their characters (an escaped '_' would end up in the link); mentions are still broken.
_URL = re.compile(r"https?://[^\s<>]+", re.IGNORECASE)
_FENCE = "```"
# discord.utils.escape_mentions only breaks lower-case "@everyone"/"@here": any casing is broken here too.
_BROADCAST = re.compile(r"@(?=(?:everyone|here)\b)", re.IGNORECASE)


def escape(text: str, *, keep_urls: bool = True) -> str:
    """Raw text -> Discord markdown that renders as the same text and mentions nobody.

    keep_urls=False escapes inside bare URLs too: needed in a masked link's label, where a URL's "](" would
    end the label early and link elsewhere.
    """
    pieces = []
    last = 0
    for m in _URL.finditer(text) if keep_urls else ():
        pieces.append(_INLINE.sub(r"\\\1", text[last:m.start()]))
        pieces.append(m.group(0))
        last = m.end()
    pieces.append(_INLINE.sub(r"\\\1", text[last:]))
    text = _LINE_START.sub(r"\1\\\2", "".join(pieces))
    text = _NUMBERED.sub(r"\1\2\\.", text)
    return _BROADCAST.sub("@\u200b", escape_mentions(text))


def code_text(text: str) -> str:
    """Text safe inside a code span/block: backticks cannot close it (markdown is not parsed there)."""
    return text.replace("`", "ˋ")


def safe_url(url: str) -> str | None:
    """An http(s) URL usable in a masked link, or None; ')' and spaces are percent-encoded."""
    url = url.strip()
    if not re.match(r"^https?://", url, re.IGNORECASE):
        return None
    return url.replace(" ", "%20").replace(")", "%29").replace("(", "%28")


def link(text: str, url: str) -> str:
    """A masked link with escaped text, or just the escaped text when the URL is unusable."""
    u = safe_url(url)
    return f"[{escape(text, keep_urls=False)}]({u})" if u else escape(text)


def inline(spans: tuple[Inline, ...] | list[Inline]) -> str:
    """Neutral spans -> Discord markdown."""
    out: list[str] = []
    for s in spans:
        if isinstance(s, str):
            out.append(escape(s))
            continue
        url = safe_url(s.url) if s.url else None
        if s.code:
            t = f"`{code_text(s.text)}`" if s.text else ""
        else:
            t = escape(s.text, keep_urls=url is None)
        if s.bold and t:
            t = f"**{t}**"
        if s.italic and t:
            t = f"*{t}*"
        if url:
            t = f"[{t or escape(s.url or '', keep_urls=False)}]({url})"
        out.append(t)
    return "".join(out)


def clip(text: str, limit: int) -> str:
    """Cut to at most `limit` characters with an ellipsis, never leaving a dangling escape backslash."""
    if len(text) <= limit:
        return text
    cut = text[: max(0, limit - 1)]
    # A trailing odd run of backslashes would escape the ellipsis (or the next line): drop one.
    if (len(cut) - len(cut.rstrip("\\"))) % 2 == 1:
        cut = cut[:-1]
    return cut + "…"


def split_text(text: str, limit: int) -> list[str]:
    """Split at line boundaries into chunks of at most `limit` chars; code fences are closed and reopened."""
    if len(text) <= limit:
        return [text]
    reserve = len(_FENCE) + 1  # room to close a fence left open at a chunk's end
    budget = max(16, limit - reserve)
    chunks: list[str] = []
    cur: list[str] = []
    size = 0
    in_fence = False
    for line in _hard_wrap(text.split("\n"), budget):
        if cur and size + len(line) + 1 > budget:
            if in_fence and len(cur) > 1 and cur[-1].strip().startswith(_FENCE):
                # The fence was just opened: move the opener to the next chunk instead of an empty block.
                opener = cur.pop()
                chunks.append("\n".join(cur))
                cur, size = [opener], len(opener) + 1
            else:
                chunks.append(_close("\n".join(cur), in_fence))
                cur, size = ([_FENCE], len(_FENCE) + 1) if in_fence else ([], 0)
        cur.append(line)
        size += len(line) + 1
        if line.strip().startswith(_FENCE):
            in_fence = not in_fence
    if cur:
        chunks.append("\n".join(cur))
    return [c for c in chunks if c.strip()] or [clip(text, limit)]


def _close(chunk: str, in_fence: bool) -> str:
    return chunk + "\n" + _FENCE if in_fence else chunk


def _hard_wrap(lines: list[str], width: int) -> list[str]:
    """Lines longer than `width` broken at spaces (or hard, for one long word)."""
    out: list[str] = []
    for line in lines:
        while len(line) > width:
            cut = line.rfind(" ", 0, width)
            cut = cut if cut > width // 2 else width
            piece = line[:cut]
            if (len(piece) - len(piece.rstrip("\\"))) % 2 == 1:  # do not split an escape pair
                piece, cut = piece[:-1], cut - 1
            out.append(piece)
            line = line[cut:].lstrip(" ")
        out.append(line)
    return out
