"""Weekly report -> neutral Thread: the channel post, one votable reply per breakthrough, trends, notable.

Reply keys are positional ("breakthrough-1", "trends", "papers"), so a re-run, even of a re-synthesised
report, never posts a message of the week twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.core.message import Bullets, Context, Header, Image, Inline, Message, Paragraph, Span, Thread
from bot.core.votes import UNICODE_NUMBERS

HEADER_MAX = 150  # Slack's header limit, the strictest of the platforms


def _votes(n: int) -> str:
    return f"{n:+d} vote{'' if abs(n) == 1 else 's'}" if n else ""


def _label(text: str) -> Paragraph:
    return Paragraph((Span(text, bold=True),))


def _paper(ref: Mapping[str, Any], *, bold: bool = False) -> list[Inline]:
    """Linked title, then "(id · +2 votes)"."""
    extra = " · ".join(x for x in (ref["arxiv_id"], _votes(int(ref.get("votes") or 0))) if x)
    return [Span(ref["title"], bold=bold, url=ref.get("url") or f"https://arxiv.org/abs/{ref['arxiv_id']}"),
            f" ({extra})"]


def _counts(r: Mapping[str, Any]) -> str:
    parts = [r["date_range"], f"{r['papers_analyzed']} papers analyzed"]
    if r.get("scorer") != "local":
        k = r["breakthrough_count"]
        parts.append(f"{k} breakthrough{'' if k == 1 else 's'}")
    stats = r.get("stats") or {}
    if stats.get("voted_papers"):
        n = stats["voted_papers"]
        parts.append(f"{stats['votes_total']:+d} team votes on {n} paper{'' if n == 1 else 's'}")
    return " · ".join(parts)


def _footer(r: Mapping[str, Any]) -> str:
    if r.get("scorer") == "local":
        return r.get("label", "Built without an LLM.")
    bits = [f"Synthesised by {str(r['scorer']).removeprefix('llm:')} from the week's picks"]
    if r.get("cost_usd"):
        bits.append(f"${r['cost_usd']:.4f}" if r["cost_usd"] >= 0.0001 else "< $0.0001")
    fixed = sum(1 for n in r.get("notes") or () if any(w in n for w in ("repaired", "dropped", "removed")))
    if fixed:
        bits.append(f"{fixed} reference(s) to papers not picked this week repaired or removed")
    if r.get("breakthroughs"):
        bits.append("react 👍 / 👎 on a breakthrough in the thread to vote")
    return " · ".join(bits) + "."


def _parent(r: Mapping[str, Any], image: Image | None) -> Message:
    blocks: list[Any] = [Header(r["title"][:HEADER_MAX]), Paragraph((_counts(r),))]
    if r.get("scorer") == "local":
        blocks.append(Paragraph((Span("Built without an LLM", bold=True), ": " + r["label"].split(": ", 1)[-1])))
    blocks += [_label("Summary"), Paragraph((r["summary"],))]
    if r.get("key_takeaway"):
        blocks += [_label("Key takeaway"), Paragraph((r["key_takeaway"],))]
    topics = (r.get("stats") or {}).get("topics") or []
    if r.get("scorer") == "local" and topics:
        blocks += [_label("Papers per topic"),
                   Bullets(tuple((f"{name}: {n}" + (f" ({_votes(v)})" if v else ""),) for name, n, v in topics))]
    if r.get("scorer") != "local":
        blocks.append(Context((_footer(r),)))
    fallback = f"{r['title']}: {_counts(r)}"
    return Message(blocks=tuple(blocks), fallback=fallback, ephemeral=False, image=image, key="parent")


def _breakthrough(b: Mapping[str, Any], i: int, n: int) -> Message:
    blocks: list[Any] = [Header(f"Breakthrough {i} of {n}: {b['title']}"[:HEADER_MAX]),
                         Paragraph(tuple(_paper(b)))]
    if b.get("why_novel"):
        blocks.append(Paragraph((Span("Why novel:", bold=True), " " + b["why_novel"])))
    for label, key in (("Key innovations", "key_innovations"), ("Evidence", "evidence")):
        if b.get(key):
            blocks += [_label(label), Bullets(tuple((x,) for x in b[key]))]
    if b.get("impact"):
        blocks.append(Paragraph((Span("Impact:", bold=True), " " + b["impact"])))
    blocks.append(Context(("React 👍 / 👎 to vote on this paper.",)))
    return Message(blocks=tuple(blocks), fallback=f"Breakthrough {i}: {b['title']} ({b['arxiv_id']})",
                   papers=(b["arxiv_id"],), ephemeral=False, key=f"breakthrough-{i}")


def _trends(trends: Sequence[Mapping[str, Any]]) -> Message:
    items = []
    for t in trends:
        ids: list[Inline] = []
        for j, p in enumerate(t["papers"]):
            ids += [", " if j else " (", Span(p["arxiv_id"], url=f"https://arxiv.org/abs/{p['arxiv_id']}")]
        items.append((Span(t["name"], bold=True), ": " + t["description"], *ids, ")" if ids else ""))
    return Message(blocks=(Header(f"Trends ({len(trends)})"), Bullets(tuple(items))),
                   fallback="Trends: " + "; ".join(t["name"] for t in trends), ephemeral=False, key="trends")


def _numbered(sections: Sequence[tuple[str, Sequence[Mapping[str, Any]], bool]], key: str) -> Message:
    """Lists of papers numbered across sections, voted on with numbered reactions (1️⃣ = the first)."""
    blocks: list[Any] = []
    papers: list[str] = []
    summary: list[str] = []  # the notification text: what a phone shows, so titles rather than ids
    for title, refs, with_line in sections:
        if not refs:
            continue
        items = []
        summary.append(f"{title}: " + "; ".join(f"{len(papers) + i}. {ref['title']}"
                                                for i, ref in enumerate(refs, start=1)))
        for ref in refs:
            papers.append(ref["arxiv_id"])
            line: list[Inline] = [f"{len(papers)}. ", *_paper(ref, bold=with_line)]
            if with_line and ref.get("line"):
                line.append(": " + ref["line"])
            if ref.get("added_for_votes"):
                line.append(" [added: the team voted for it]")
            items.append(tuple(line))
        blocks += [Header(f"{title} ({len(refs)})"), Bullets(tuple(items))]
    papers = papers[: len(UNICODE_NUMBERS)]
    if papers:
        blocks.append(Context((f"Vote with {UNICODE_NUMBERS[0]}…{UNICODE_NUMBERS[len(papers) - 1]} "
                               "for the numbered papers.",)))
    return Message(blocks=tuple(blocks), fallback=" · ".join(summary), papers=tuple(papers), ephemeral=False,
                   key=key)


def weekly_thread(report: Mapping[str, Any], *, image: Image | None = None) -> Thread:
    """The Thread of a stored weekly report (LLM-written or built without an LLM)."""
    r = report
    replies: list[Message] = []
    if r.get("scorer") == "local":
        replies.append(_numbered([("Top papers by score", r.get("top_papers") or [], True),
                                  ("Most voted by the team", [m for m in r.get("most_voted") or []
                                                              if m["arxiv_id"] not in
                                                              {t["arxiv_id"] for t in r.get("top_papers") or []}],
                                   True)], key="papers"))
    else:
        bts = r.get("breakthroughs") or []
        replies += [_breakthrough(b, i, len(bts)) for i, b in enumerate(bts, start=1)]
        if r.get("trends"):
            replies.append(_trends(r["trends"]))
        if r.get("notable") or r.get("honorable_mentions"):
            replies.append(_numbered([("Notable papers", r.get("notable") or [], True),
                                      ("Honorable mentions", r.get("honorable_mentions") or [], False)], key="papers"))
    replies = [m for m in replies if m.blocks]
    return Thread(parent=_parent(r, image), replies=tuple(replies), name=r["title"][:100], kind="weekly",
                  period=r["week"])
