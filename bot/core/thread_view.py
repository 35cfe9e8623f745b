"""Views of the paper-thread features: a pasted link's card, an answer in a paper's thread, and the hints."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.core.digest_view import card, excerpt
from bot.core.message import Bullets, Context, Message, Paragraph, Span
from bot.core.models import Paper, Pick

HOW_TO_ASK = ("Ask me about a paper in its thread (a digest reply, a paper card or an /explain answer), "
              "or give me its arXiv link: @paperbot https://arxiv.org/abs/2601.16725 What is new here?")


def link_card(pick: Pick, *, note: str) -> Message:
    """The card a pasted arXiv link gets: title, authors, the team's scores and why, abstract, buttons."""
    p = pick.paper
    c = replace(card(pick, rank=None), excerpt=excerpt(p.abstract, limit=600))
    return Message(blocks=(c, Context((note,))), fallback=f"{p.title} ({p.arxiv_id})", papers=(p.arxiv_id,),
                   ephemeral=False)


def answer_message(paper: Paper, *, question: str, answer: str, sections: Sequence[str], note: str) -> Message:
    """An answer in a paper's thread: the question, the answer, the sections it drew on, what it cost."""
    blocks: list = [Paragraph.of(Span("Q: ", bold=True), question, " — ", Span(paper.arxiv_id, url=paper.abs_url)),
                    Paragraph.of(answer)]
    small = f"Sections: {'; '.join(sections)} · {note}" if sections else note
    blocks.append(Context((small,)))
    return Message(blocks=tuple(blocks), fallback=f"{paper.title} ({paper.arxiv_id}): {answer[:300]}",
                   papers=(paper.arxiv_id,), ephemeral=False)


def which_paper_message(papers: Sequence[Paper]) -> Message:
    """A thread about several papers: name the one you mean."""
    shown = papers[:10]
    items = tuple((Span(p.arxiv_id, code=True), f" {p.title}") for p in shown)
    more = f" (and {len(papers) - len(shown)} more)" if len(papers) > len(shown) else ""
    text = (f"This thread is about {len(papers)} papers{more}. Mention me again with the paper's id, e.g. "
            f"@paperbot {shown[0].arxiv_id} What is new here?")
    return Message(blocks=(Paragraph.of(text), Bullets(items)), fallback=text)


def how_to_ask_message(reason: str = "") -> Message:
    """What to do when the bot cannot tell which paper a mention is about."""
    return Message.text(f"{reason} {HOW_TO_ASK}".strip())
