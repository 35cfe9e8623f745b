"""Digest -> neutral Thread: the channel post (top papers) and one votable reply per pick."""

from __future__ import annotations

import re

from bot.core.message import (
    Action,
    Context,
    Fields,
    Header,
    Message,
    PaperCard,
    Paragraph,
    Span,
    Table,
    Thread,
)
from bot.core.models import Digest, LLMUsage, Paper, Pick
from bot.core.votes import UNICODE_NUMBERS


def short_authors(authors: tuple[str, ...] | list[str], *, keep: int = 5) -> str:
    """'A, B, C, D, E, … Z (160 authors)' for long lists; all names when short."""
    names = list(authors)
    if len(names) <= keep + 1:
        return ", ".join(names)
    return f"{', '.join(names[:keep])}, … {names[-1]} ({len(names)} authors)"


def excerpt(text: str, *, limit: int = 400) -> str:
    """The abstract cut at a sentence (or word) boundary near `limit`."""
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) <= limit:
        return text
    cut = text[:limit]
    dot = cut.rfind(". ")
    if dot > limit * 0.5:
        return cut[: dot + 1]
    return cut.rsplit(" ", 1)[0] + " …"


def paper_actions(arxiv_id: str) -> tuple[Action, ...]:
    """The buttons every paper card carries."""
    return (
        Action("Explain", f"/explain {arxiv_id}", "primary"),
        Action("Upvote", f"/papers upvote {arxiv_id}"),
        Action("More like this", f"/papers like {arxiv_id}"),
    )


def card(pick: Pick, *, rank: int | None, compact: bool = False, with_excerpt: bool = True) -> PaperCard:
    """A PaperCard for a pick."""
    p: Paper = pick.paper
    return PaperCard(
        arxiv_id=p.arxiv_id,
        title=p.title,
        url=p.abs_url,
        pdf_url=p.pdf_url,
        rank=rank,
        authors=short_authors(p.authors),
        relevance=pick.score.relevance,
        novelty=pick.score.novelty,
        comment=pick.score.comment,
        excerpt=excerpt(p.abstract) if with_excerpt else "",
        votes=pick.votes,
        author_match=pick.score.author_match,
        actions=() if compact else paper_actions(p.arxiv_id),
        compact=compact,
    )


def usage_table(usage: LLMUsage, model: str) -> Table:
    """The token/cost table of the seed digests."""
    total = usage.prompt_tokens + usage.completion_tokens
    return Table(
        header=(f"[{model}]", "Prompt", "Completion", "Total"),
        rows=(
            ("Token", str(usage.prompt_tokens), str(usage.completion_tokens), str(total)),
            ("Cost", "—", "—", f"${usage.cost_usd:.4f}"),
        ),
    )


def scorer_note(scorer: str) -> str:
    """Say which scorer picked the papers (users without an LLM get the local ranker)."""
    if scorer.startswith("llm:"):
        return f"Scored by {scorer[4:]} against the team's criteria."
    return ("Scored by the local ranker (no LLM configured): set OPENAI_API_KEY for LLM scoring "
            "with one-line reasons.")


def digest_thread(d: Digest) -> Thread:
    """The daily post: parent with counts and the top papers, then one reply per pick (react to vote)."""
    day = d.day.isoformat()
    top = d.top
    blocks: list = [
        Header(f"Daily arXiv papers for {d.team} · {day}"),
        Fields((("Listed", str(d.listed)), ("Scanned", str(d.scanned)), ("Picked", str(len(d.picks))))),
    ]
    if d.usage.calls:
        blocks.append(usage_table(d.usage, d.scorer.removeprefix("llm:")))
    if not d.picks:
        blocks.append(Paragraph.of("No paper matched the team's criteria today."))
    for i, pick in enumerate(top, start=1):
        blocks.append(card(pick, rank=i, compact=False, with_excerpt=False))
    notes = [scorer_note(d.scorer)]
    if len(top) > 1:
        notes.append(f"Vote with {UNICODE_NUMBERS[0]}…{UNICODE_NUMBERS[min(len(top), 10) - 1]} here, "
                     "or 👍 on a paper in the thread.")
    if len(d.picks) > len(top):
        notes.append(f"{len(d.picks) - len(top)} more in the thread.")
    if d.unscored:
        notes.append(f"{len(d.unscored)} papers could not be scored yet; they are retried on the next run.")
    blocks.append(Context((" ".join(notes),)))
    fallback = f"Daily arXiv papers for {d.team} {day}: {len(d.picks)} picked of {d.scanned} scanned"
    parent = Message(blocks=tuple(blocks), fallback=fallback, papers=tuple(p.paper.arxiv_id for p in top[:10]),
                     ephemeral=False, key="parent")
    replies = tuple(
        Message(
            blocks=(card(pick, rank=i),),
            fallback=f"{i}. {pick.paper.title} ({pick.paper.arxiv_id})",
            papers=(pick.paper.arxiv_id,),
            ephemeral=False,
            key=pick.paper.arxiv_id,
        )
        for i, pick in enumerate(d.picks, start=1)
    )
    return Thread(parent=parent, replies=replies, name=f"arXiv {day} — all {len(d.picks)} picks"[:100],
                  kind="daily", period=day)


def no_announcement_message(team: str, day: str) -> Message:
    """What a day without an arXiv announcement says (weekends, holidays)."""
    return Message(blocks=(Paragraph((Span(f"No new arXiv announcement for {day}", bold=True),
                                      " (weekends and holidays have none). Nothing to post for ", team, ".")),),
                   fallback=f"No new arXiv announcement for {day}")
