"""Message -> Block Kit: limits, splitting, escaping (no title can ping anyone), links, tables."""

from __future__ import annotations

import json
import re

from bot.core.digest_view import digest_thread
from bot.core.message import (
    Action,
    Bullets,
    Context,
    Fields,
    Form,
    Header,
    Message,
    PaperCard,
    Paragraph,
    Span,
    Table,
)
from bot.platforms.slack.mrkdwn import chunk, escape, link
from bot.platforms.slack.render import render_message
from tests.platforms.slack.conftest import assert_valid_post, make_digest

PINGS = "Attention <!channel> and <!here>, @here @channel @everyone, <@U123> & <#C999> <https://evil.example|x>"
LINK_MARKUP = re.compile(r"<([^<>|]*)\|([^<>]*)>")


def _all_text(parts) -> str:
    return "\n".join(json.dumps(p.blocks, ensure_ascii=False) + "\n" + p.text for p in parts)


def _section_texts(parts) -> list[str]:
    return [b["text"]["text"] for p in parts for b in p.blocks if b["type"] == "section" and "text" in b]


def test_daily_parent_has_header_counts_linked_titles_why_scores_and_numbered_votes():
    thread = digest_thread(make_digest(12, size=10))
    parts = render_message(thread.parent, votable=True)
    assert len(parts) == 1
    blocks = parts[0].blocks
    assert_valid_post({"text": parts[0].text, "blocks": blocks})
    assert blocks[0] == {"type": "header", "text": {"type": "plain_text", "emoji": True,
                                                    "text": "Daily arXiv papers for foundations · 2026-01-27"}}
    fields = [f["text"] for f in blocks[1]["fields"]]
    assert fields == ["*Listed*\n120", "*Scanned*\n62", "*Picked*\n12"]
    first = thread.parent.papers[0]
    card = next(t for t in _section_texts(parts) if first in t)
    # Rank 1 is shown as the reaction that votes for it.
    assert card.startswith(f":one: *<https://arxiv.org/abs/{first}|")
    assert f"<https://arxiv.org/pdf/{first}|PDF>" in card
    assert "Relevance *10* · Novelty *9*" in card
    assert "_Why:_ Matches Model Architecture (MoE)" in card
    buttons = [b for b in blocks if b["type"] == "actions"][0]["elements"]
    assert [(e["text"]["text"], e["value"]) for e in buttons] == [
        ("Explain", f"/explain {first}"), ("Upvote", f"/papers upvote {first}"),
        ("More like this", f"/papers like {first}")]
    ids = [e["action_id"] for p in parts for b in p.blocks if b["type"] == "actions" for e in b["elements"]]
    assert len(ids) == len(set(ids)) == 30  # unique per message, as Slack requires
    assert parts[0].text.startswith("Daily arXiv papers for foundations 2026-01-27")
    assert "2 more in the thread" in _all_text(parts)


def test_thread_reply_is_one_paper_ranked_without_number_emoji():
    thread = digest_thread(make_digest(3))
    parts = render_message(thread.replies[1], votable=True)
    text = _section_texts(parts)[0]
    assert text.startswith("2. *<https://arxiv.org/abs/")
    assert ":two:" not in text  # a single-paper reply is voted with 👍/👎, not numbers


def test_numbers_only_where_reactions_are_votes():
    parent = digest_thread(make_digest(3)).parent
    assert _section_texts(render_message(parent, votable=True))[0].startswith(":one: ")
    # The same list as a command reply is not a recorded post: plain ranks, no voting emoji.
    assert _section_texts(render_message(parent))[0].startswith("1. ")


def test_forty_paper_digest_splits_into_valid_messages_and_keeps_every_paper_once():
    thread = digest_thread(make_digest(40, size=40))
    parts = render_message(thread.parent)
    assert len(parts) >= 2
    for p in parts:
        assert_valid_post({"text": p.text, "blocks": p.blocks})
    assert [p.text[-5:] for p in parts] == [f"({i}/{len(parts)})" for i in range(1, len(parts) + 1)]
    texts = "\n".join(_section_texts(parts))
    for pick in thread.parent.papers + tuple(r.papers[0] for r in thread.replies):
        assert texts.count(f"<https://arxiv.org/abs/{pick}|") == 1
    # A card's buttons stay in the same message as the card.
    for p in parts:
        for i, b in enumerate(p.blocks):
            if b["type"] == "actions":
                paper = b["elements"][0]["value"].split()[-1]
                assert paper in p.blocks[i - 1]["text"]["text"]


def test_long_comment_splits_into_sections_without_losing_words():
    comment = " ".join(f"word{i}" for i in range(800))  # ~5,700 characters
    assert len(comment) > 5000
    card = PaperCard(arxiv_id="2601.00001", title="A paper", url="https://arxiv.org/abs/2601.00001",
                     rank=1, relevance=9, novelty=8, comment=comment)
    parts = render_message(Message(blocks=(card,), fallback="a paper", papers=("2601.00001",)))
    texts = _section_texts(parts)
    assert len(texts) >= 2 and all(len(t) <= 3000 for t in texts)
    joined = " ".join(texts)
    assert all(f"word{i}" in joined.split() for i in range(800))


def test_huge_message_splits_by_block_count_and_size():
    blocks = tuple(Paragraph.of(f"paragraph {i} " + "x" * 900) for i in range(120))
    parts = render_message(Message(blocks=blocks, fallback="many"))
    assert len(parts) > 1
    for p in parts:
        assert_valid_post({"text": p.text, "blocks": p.blocks})
    assert sum(len(p.blocks) for p in parts) == 120


def test_one_enormous_word_is_cut_rather_than_failing():
    parts = render_message(Message.text("y" * 7000))
    texts = _section_texts(parts)
    assert "".join(texts) == "y" * 7000 and all(len(t) <= 3000 for t in texts)


def test_title_with_mentions_pings_nobody():
    card = PaperCard(arxiv_id="2601.00002", title=PINGS, url="https://arxiv.org/abs/2601.00002", rank=1,
                     comment=PINGS, authors=PINGS, excerpt=PINGS)
    msg = Message(blocks=(Header(PINGS), card, Paragraph.of(PINGS, Span(PINGS, bold=True)), Context((PINGS,)),
                          Fields(((PINGS, PINGS),)), Bullets(((PINGS,),)), Table(("a",), ((PINGS,),))),
                  fallback=PINGS, papers=("2601.00002",), actions=(Action(PINGS, "/papers"),))
    parts = render_message(msg)
    out = _all_text(parts)
    for raw in ("<!channel>", "<!here>", "<@U123>", "<#C999>", "<https://evil.example|x>"):
        assert raw not in out
    assert re.search(r"@(here|channel|everyone)\b", out) is None  # broadcast words are defused
    assert "&lt;!channel&gt;" in out and "&amp;" in out
    # The only real link markup is ours, to arXiv.
    targets = {m.group(1) for p in parts for t in _section_texts([p]) for m in LINK_MARKUP.finditer(t)}
    assert targets == {"https://arxiv.org/abs/2601.00002"}
    for p in parts:
        assert_valid_post({"text": p.text, "blocks": p.blocks})


def test_every_text_object_is_verbatim_so_slack_parses_nothing():
    parts = render_message(digest_thread(make_digest(3)).parent)
    objs = [o for p in parts for o in _mrkdwn_objects(p.blocks)]
    assert objs and all(o.get("verbatim") is True for o in objs)


def _mrkdwn_objects(node):
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn":
            yield node
        for v in node.values():
            yield from _mrkdwn_objects(v)
    elif isinstance(node, list):
        for v in node:
            yield from _mrkdwn_objects(v)


def test_links_escape_label_and_handle_pipes():
    assert link("https://arxiv.org/abs/1?a=1&b=2", "A | B <c>") == \
        "<https://arxiv.org/abs/1?a=1&amp;b=2|A \u2223 B &lt;c&gt;>"
    assert link("https://x.org/a|b c", "t") == "<https://x.org/a%7Cb%20c|t>"
    assert link("javascript:alert(1)", "click") == "click"  # never a link to a non-web scheme


def test_chunk_never_cuts_markup_or_entities():
    text = " ".join(["&amp;", link("https://arxiv.org/abs/2601.00001", "title " * 20)] * 60)
    pieces = chunk(text, 300)
    assert all(len(p) <= 300 for p in pieces)
    for p in pieces:
        assert p.count("<") == p.count(">")
        assert not re.search(r"&(?!amp;|lt;|gt;)", p)


def test_header_and_button_text_capped():
    msg = Message(blocks=(Header("H" * 400),), actions=(Action("L" * 200, "/papers more 2"),))
    parts = render_message(msg)
    assert len(parts[0].blocks[0]["text"]["text"]) == 150
    assert len(parts[0].blocks[-1]["elements"][0]["text"]["text"]) == 75
    assert_valid_post({"text": parts[0].text, "blocks": parts[0].blocks})


def test_table_is_preformatted_and_split_with_header_repeated():
    rows = tuple((f"row{i}", str(i), "x" * 30) for i in range(200))
    parts = render_message(Message(blocks=(Table(("[gpt-4o]", "Prompt", "Total"), rows),), fallback="t"))
    texts = _section_texts(parts)
    assert len(texts) > 1
    assert all(t.startswith("```\n[gpt-4o]") and t.endswith("\n```") and len(t) <= 3000 for t in texts)
    assert sum(t.count("\nrow") for t in texts) == 200


def test_spans_render_as_mrkdwn():
    msg = Message(blocks=(Paragraph.of("a ", Span("bold", bold=True), " ", Span("it", italic=True), " ",
                                       Span("x`y", code=True), " ", Span("arXiv", url="https://arxiv.org")),))
    assert _section_texts(render_message(msg)) == ["a *bold* _it_ `x'y` <https://arxiv.org|arXiv>"]


def test_form_without_modal_is_shown_as_text():
    msg = Message(blocks=(), form=Form("Edit criteria", "Criteria", "topics: <MoE>", "/criteria set"))
    out = _all_text(render_message(msg))
    assert "topics: &lt;MoE&gt;" in out and "/criteria set" in out


def test_escape_is_only_the_three_characters():
    assert escape("a&b<c>d 'e' \"f\" *g*") == "a&amp;b&lt;c&gt;d 'e' \"f\" *g*"


def test_table_of_wide_cells_full_of_ampersands_stays_within_the_section_limit():
    # Escaping makes each "&" five characters: a cell cut before escaping could still overflow a section.
    parts = render_message(Message(blocks=(Table(("R&&&" * 100,), (("Q&&&" * 100,),)),), fallback="t"))
    for p in parts:
        assert_valid_post({"text": p.text, "blocks": p.blocks})
    texts = _section_texts(parts)
    assert all(len(t) <= 3000 for t in texts)
    assert texts[0].startswith("```\nR&amp;&amp;&amp;R") and "Q&amp;&amp;&amp;Q" in "".join(texts)
    assert not re.search(r"&(?!amp;|lt;|gt;)", "".join(texts))  # never cut inside an entity
