"""The renderer enforces Discord's limits itself (discord.py does not) and never fails."""

from __future__ import annotations

import re
from dataclasses import replace

import discord
import pytest

from bot.core.digest_view import card, digest_thread
from bot.core.message import (
    Action,
    Bullets,
    Context,
    Fields,
    Header,
    Message,
    PaperCard,
    Paragraph,
    Span,
    Table,
)
from bot.core.models import Paper, Pick, Score
from bot.platforms.discord.components import ActionCodec, build_view
from bot.platforms.discord.markdown import escape, split_text
from bot.platforms.discord.render import Part, fit_embed, render
from tests.platforms.discord.conftest import make_digest, seed_papers


def check(part: Part) -> None:
    """One message within every limit Discord enforces."""
    assert len(part.content) <= 2000
    assert len(part.embeds) <= 10
    assert sum(len(e) for e in part.embeds) <= 6000
    for e in part.embeds:
        assert len(e.title or "") <= 256 and len(e.description or "") <= 4096
        assert len(e.fields) <= 25 and len(e.footer.text or "") <= 2048
        assert all(len(f.name) <= 256 and len(f.value) <= 1024 for f in e.fields)
    assert part.content or part.embeds


def huge_card(i: int) -> PaperCard:
    """A card with every field far over the limits."""
    return PaperCard(arxiv_id=f"2601.{i:05d}", title=f"T{i} " + "long title " * 200, url=f"https://arxiv.org/abs/2601.{i:05d}",
                     rank=i, authors=", ".join(f"Author {j}" for j in range(400)), relevance=9, novelty=7.5,
                     comment="why " * 2000, excerpt="abstract " * 3000, votes=3, pdf_url="https://arxiv.org/pdf/x",
                     actions=(Action("Explain", f"/explain 2601.{i:05d}"),))


@pytest.mark.parametrize("n", [1, 2, 9, 10, 11, 25, 40])
def test_any_number_of_oversized_cards_fits(n: int) -> None:
    msg = Message(blocks=(Header("H " * 2000), *(huge_card(i) for i in range(1, n + 1)), Context(("note " * 900,))),
                  fallback="f")
    parts = render(msg)
    for p in parts:
        check(p)
    cards = [e for p in parts for e in p.embeds if e.url]
    assert [e.url for e in cards] == [f"https://arxiv.org/abs/2601.{i:05d}" for i in range(1, n + 1)]  # all, in order


def test_long_text_is_split_without_losing_words() -> None:
    words = [f"w{i}" for i in range(6000)]
    msg = Message(blocks=tuple(Paragraph.of(" ".join(words[i:i + 100])) for i in range(0, 6000, 100)), fallback="f")
    parts = render(msg)
    assert len(parts) >= 2
    for p in parts:
        check(p)
    text = " ".join((p.content + " " + " ".join(e.description or "" for e in p.embeds)) for p in parts)
    assert text.split() == words


def test_short_text_is_plain_content() -> None:
    (part,) = render(Message.text("Unknown command /x. Try one of: /papers."))
    assert part.content == "Unknown command /x. Try one of: /papers."
    assert not part.embeds


def test_blocks_render_as_discord_markdown() -> None:
    msg = Message(blocks=(Header("Criteria"), Fields((("Relevance", "8"),)), Bullets(((Span("MoE", bold=True),),)),
                          Table(("a", "b"), (("1", "22"),)), Paragraph.of(Span("docs", url="https://e.org/a_b")),
                          Context(("cached",))), fallback="f")
    (part,) = render(msg)
    assert part.content.splitlines()[:3] == ["**Criteria**", "**Relevance** 8", "• **MoE**"]
    assert "```\na  b\n1  22\n```" in part.content
    assert "[docs](https://e.org/a_b)" in part.content and part.content.endswith("-# cached")


def test_escape_neutralises_markdown_and_mentions() -> None:
    raw = "**b** _i_ `c` ~~s~~ ||x|| [l](http://x) <@123456789012345678> @everyone @here\n# h\n> q\n1. n"
    out = escape(raw)
    for bad in ("**b**", "_i_", "`c`", "~~s~~", "||x||", "[l](", "<@123456789012345678>", "@everyone", "@here",
                "\n# h", "\n> q", "\n1. n"):
        assert bad not in out
    assert escape("see https://github.com/a_b/c_d") == "see https://github.com/a_b/c_d"  # links stay clickable


def test_split_keeps_code_fences_balanced() -> None:
    text = "intro\n```\n" + "\n".join(f"row {i}" for i in range(400)) + "\n```\nend"
    chunks = split_text(text, 500)
    assert all(len(c) <= 500 and c.count("```") % 2 == 0 for c in chunks)


def test_fit_embed_clamps_everything() -> None:
    e = discord.Embed(title="t" * 999, description="d" * 9999)
    for _ in range(40):
        e.add_field(name="n" * 999, value="v" * 9999)
    e.set_footer(text="f" * 9999)
    fit_embed(e)
    check(Part(embeds=[e]))


def test_digest_parent_is_one_message_with_menus() -> None:
    thread = digest_thread(make_digest(seed_papers(30)))
    (parent,) = render(thread.parent)
    check(parent)
    assert len(parent.embeds) == 10 and parent.content.startswith("**Daily arXiv papers")
    assert [m.placeholder for m in parent.menus] == ["Explain…", "Upvote…", "More like this…"]
    assert len(parent.menus[0].options) == 10 and not parent.buttons
    reply = render(thread.replies[0])[0]
    assert [a.label for a in reply.buttons] == ["Explain", "Upvote", "More like this"]


def test_author_match_without_scores() -> None:
    p = Paper("2601.00001", "A paper", authors=("Yoshua Bengio",))
    c = card(Pick(p, Score(p.arxiv_id, None, None, author_match=True)), rank=1)
    (part,) = render(Message(blocks=(c,), fallback="f"))
    fields = {f.name: f.value for f in part.embeds[0].fields}
    assert "Author match" in fields and "Relevance" not in fields


async def test_views_stay_within_five_rows() -> None:
    cards = tuple(replace(huge_card(i), actions=(Action("A", f"/a {i}"), Action("B", f"/b {i}"))) for i in range(30))
    msg = Message(blocks=cards, fallback="f", actions=tuple(Action(f"b{i}", f"/papers week --page {i}") for i in range(40)))
    part = render(msg)[-1]
    view = await build_view(part.buttons, part.menus, codec=ActionCodec())
    assert view is not None
    rows = view.to_components()
    assert len(rows) <= 5 and all(len(r["components"]) <= 5 for r in rows)
    menus = [c for r in rows for c in r["components"] if c["type"] == 3]
    assert [len(m["options"]) for m in menus] == [25, 25]  # Discord's 25 options per menu
    assert all(len(c["custom_id"]) <= 100 for r in rows for c in r["components"])


async def test_long_commands_go_through_the_key_value_store() -> None:
    store: dict[str, str] = {}

    async def kv_get(k: str) -> str | None:
        return store.get(k)

    async def kv_set(k: str, v: str) -> None:
        store[k] = v

    codec = ActionCodec(kv_get=kv_get, kv_set=kv_set)
    long = '/papers search "' + "mixture of experts " * 10 + '" --page 3'
    ref = await codec.encode(long, room=92)
    assert ref is not None and ref.startswith("#") and len(ref) <= 92
    assert await codec.decode(ref) == long
    assert await ActionCodec().encode(long, room=92) is None  # a post-only chat drops such a button


def test_fields_and_notes_after_a_card_join_its_embed() -> None:
    p, s = seed_papers(1)[0]
    msg = Message(blocks=(card(Pick(p, s), rank=None), Fields((("Categories", "cs.LG"), ("Picked", "2026-01-28"))),
                          Context(("Cached answer",))), fallback="f")
    (part,) = render(msg)
    (embed,) = part.embeds
    assert [f.name for f in embed.fields][-2:] == ["Categories", "Picked"]
    assert embed.footer.text == "Cached answer"


def test_url_in_a_title_cannot_forge_a_masked_link() -> None:
    # A bare URL keeps its characters in text; inside our own [label](url) its "](" would end the label early.
    title = "Results https://e.vil/](https://evil.example) on MoE"
    evil = PaperCard(arxiv_id="2601.00001", title=title, url="https://arxiv.org/abs/2601.00001", rank=1, compact=True)
    span = Span(title, url="https://arxiv.org/abs/2601.00002")
    (part,) = render(Message(blocks=(evil, Paragraph.of(span)), fallback="f"))
    targets = re.findall(r"(?<!\\)\]\((\S+?)\)", part.content)  # every unescaped "](url)" Discord would link
    assert targets == ["https://arxiv.org/abs/2601.00001", "https://arxiv.org/abs/2601.00002"]
    assert "e.vil" in part.content  # the title still reads the same
