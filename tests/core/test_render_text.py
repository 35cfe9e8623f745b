"""Plain-text and markdown rendering (the console and `--format markdown`): paper text shows as written."""

from __future__ import annotations

from bot.core.models import Paper
from bot.core.render_text import render
from bot.core.views import paper_message, unscored_pick

PAPER = Paper("2601.00001", "Sparse *Experts* at Scale", "We route tokens.", ("Ada Lovelace",), ("cs.LG",),
              arxiv_comment="*Equal contribution; code at github.com/x/low_rank_moe")


def test_markdown_escapes_paper_text_in_every_block() -> None:
    out = render(paper_message(unscored_pick(PAPER)), fmt="markdown")
    assert r"Sparse \*Experts\* at Scale" in out
    assert r"arXiv comment: \*Equal contribution; code at github.com/x/low\_rank\_moe" in out
    assert "*Equal" not in out.replace(r"\*Equal", "")


def test_plain_text_shows_paper_text_unchanged() -> None:
    out = render(paper_message(unscored_pick(PAPER)), fmt="text")
    assert "Sparse *Experts* at Scale" in out
    assert "arXiv comment: *Equal contribution; code at github.com/x/low_rank_moe" in out
