"""The weekly report as a Thread: parent post, votable breakthrough replies, trends, numbered papers."""

from __future__ import annotations

from bot.core.message import Bullets, Header, Image, Message, Paragraph, plain
from bot.core.render_text import render, render_thread
from bot.core.weekly import report_header
from bot.core.weekly_check import validate_report
from bot.core.weekly_view import weekly_thread
from tests.core.test_weekly_check import answer, make_week

STATS = {"per_day": [["2025-12-08", 8, 0], ["2025-12-09", 9, 5], ["2025-12-10", 8, 0], ["2025-12-11", 8, 0],
                     ["2025-12-12", 8, 3]],
         "topics": [["Model Compression and Efficiency", 16, 5], ["Model Architecture", 11, 3], ["Other", 7, 0]],
         "votes_total": 8, "voted_papers": 2}


def report(votes: dict[str, int] | None = None) -> dict:
    week = make_week(votes or {"2512.10938": 3, "2512.07112": 2})
    body, notes = validate_report(answer(), week)
    return {**report_header(week, scorer="llm:gpt-5-mini"), **body, "stats": STATS, "notes": notes,
            "cost_usd": 0.0123, "llm_calls": 1}


def text_of(msg: Message) -> str:
    return render(msg, fmt="text")


def test_parent_carries_title_range_counts_summary_takeaway_and_chart() -> None:
    png = Image("w.png", b"\x89PNG...", "Papers per day")
    t = weekly_thread(report(), image=png)
    assert (t.kind, t.period, t.name) == ("weekly", "2025-W50", "Foundations: December 2025 Week 50")
    p = t.parent
    assert p.key == "parent" and p.image is png and not p.ephemeral and p.papers == ()
    assert p.blocks[0] == Header("Foundations: December 2025 Week 50")
    assert plain(p.blocks[1].spans) == ("Dec 8 – Dec 14, 2025 · 41 papers analyzed · 3 breakthroughs · "
                                        "+8 team votes on 2 papers")
    text = text_of(p)
    assert "Summary" in text and "(1) 2512.07647" in text and "Key takeaway" in text
    assert "Synthesised by gpt-5-mini" in text and "$0.0123" in text


def test_one_votable_reply_per_breakthrough_then_trends_then_papers() -> None:
    t = weekly_thread(report())
    assert [r.key for r in t.replies] == ["breakthrough-1", "breakthrough-2", "breakthrough-3", "trends", "papers"]
    assert [r.papers for r in t.replies[:3]] == [("2512.07647",), ("2512.07805",), ("2512.05865",)]
    first = text_of(t.replies[0])
    assert first.startswith("== Breakthrough 1 of 3: A Mathematical Theory of Top-$k$ Sparse Attention")
    for part in ("Why novel: ", "Key innovations", "Evidence", "Impact: ", "React 👍 / 👎"):
        assert part in first
    assert sum(isinstance(b, Bullets) for b in t.replies[0].blocks) == 2
    trends = text_of(t.replies[3])
    assert "Sparse attention with guarantees: " in trends and "2512.07011" in trends
    assert t.replies[3].papers == ()


def test_notable_and_honorable_are_numbered_for_reaction_votes_and_show_votes() -> None:
    papers = weekly_thread(report()).replies[-1]
    text = text_of(papers)
    assert len(papers.papers) == 10 and papers.papers[0] == "2512.05916"
    assert "1. KQ-SVD" in text and "10. " in text
    assert "Stronger Normalization-Free Transformers <https://arxiv.org/abs/2512.10938> (2512.10938 · +3 votes)" in text
    assert "FOAM: Blocked State Folding for Memory-Efficient LLM Training <https://arxiv.org/abs/2512.07112> " \
           "(2512.07112 · +2 votes)" in text
    assert "[added: the team voted for it]" in text
    assert "Vote with 1️⃣…🔟" in text


def test_keys_are_stable_across_reruns_and_resyntheses() -> None:
    a = weekly_thread(report())
    b = weekly_thread(report({"2512.10938": 4}))
    assert [r.key for r in a.replies] == [r.key for r in b.replies]


def test_a_week_without_breakthroughs_posts_no_breakthrough_reply() -> None:
    r = report()
    r.update(breakthroughs=[], breakthrough_count=0, trends=[])
    t = weekly_thread(r)
    assert [x.key for x in t.replies] == ["papers"]
    assert "0 breakthroughs" in plain(t.parent.blocks[1].spans)


def test_long_titles_fit_slack_headers() -> None:
    r = report()
    r["breakthroughs"][0]["title"] = "A" * 300
    r["title"] = "T" * 200
    t = weekly_thread(r)
    assert all(len(b.text) <= 150 for m in (t.parent, *t.replies) for b in m.blocks if isinstance(b, Header))


def test_console_rendering_of_the_whole_thread() -> None:
    out = render_thread(weekly_thread(report()), fmt="markdown")
    assert out.startswith("## Foundations: December 2025 Week 50\n\nDec 8 – Dec 14, 2025")
    assert "**Summary**" in out and "**Key takeaway**" in out and "## Trends \\(5\\)" not in out
    assert "## Trends (5)" in out and "## Notable papers (5)" in out and "## Honorable mentions (5)" in out
    assert "[Group Representational Position Encoding](https://arxiv.org/abs/2512.07805)" in out
    assert isinstance(weekly_thread(report()).parent.blocks[3], Paragraph)
