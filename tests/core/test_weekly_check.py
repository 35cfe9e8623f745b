"""Pure checks of a model's weekly report: every paper named is a real paper of the week.

The week is 41 real papers picked 2025-12-08..12 (tests/fixtures/weekly_week.jsonl, from the public daily
output of DaizeDong/ChatGPT-ArXiv-Paper-Assistant, Apache-2.0: tests/fixtures/licenses/).
"""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path

import pytest

from bot.core.models import Paper, Pick, Score
from bot.core.weekly import (
    Week,
    WeekPaper,
    date_range,
    parse_week,
    report_header,
    week_bounds,
    week_of,
    week_title,
)
from bot.core.weekly_check import validate_report

FIX = Path(__file__).resolve().parents[1] / "fixtures"
ROWS = [json.loads(line) for line in (FIX / "weekly_week.jsonl").read_text(encoding="utf-8").splitlines()]
ANSWER = json.loads((FIX / "weekly_answers.jsonl").read_text(encoding="utf-8").splitlines()[0])["answer"]


def make_week(votes: dict[str, int] | None = None) -> Week:
    """The fixture week as the handler builds it: most voted first, then by score."""
    votes = votes or {}
    papers = [WeekPaper(Pick(Paper(r["arxiv_id"], r["title"], r["abstract"], tuple(r["authors"])),
                             Score(r["arxiv_id"], r["relevance"], r["novelty"], r["comment"], "llm:gpt-5",
                                   r["relevance"] is None), votes.get(r["arxiv_id"], 0)),
                        date.fromisoformat(r["digest_date"])) for r in ROWS]
    papers.sort(key=lambda p: (-p.votes, -((p.pick.score.relevance or 0) + (p.pick.score.novelty or 0))))
    return Week("foundations", "2025-W50", date(2025, 12, 8), date(2025, 12, 14), tuple(papers))


def answer() -> dict:
    return copy.deepcopy(ANSWER)


def ids(items: list[dict]) -> list[str]:
    return [x["arxiv_id"] for x in items]


def test_weeks_titles_and_ranges() -> None:
    assert parse_week("2026w4") == "2026-W04" and parse_week(" 2025-W50 ") == "2025-W50"
    for bad in ("2025-W60", "2025-13", "last week", ""):
        with pytest.raises(ValueError):
            parse_week(bad)
    assert week_of(date(2025, 12, 10)) == "2025-W50" and week_of(date(2026, 1, 1)) == "2026-W01"
    assert week_bounds("2026-W04") == (date(2026, 1, 19), date(2026, 1, 25))
    assert week_title("foundations", "2026-W04") == "Foundations: January 2026 Week 4"
    assert date_range(*week_bounds("2025-W50")) == "Dec 8 – Dec 14, 2025"
    assert date_range(*week_bounds("2026-W01")) == "Dec 29, 2025 – Jan 4, 2026"
    head = report_header(make_week(), scorer="llm:m")
    assert head["papers_analyzed"] == 41 and head["title"] == "Foundations: December 2025 Week 50"


def test_a_faithful_answer_passes_unchanged() -> None:
    body, notes = validate_report(answer(), make_week())
    assert notes == []
    assert ids(body["breakthroughs"]) == ["2512.07647", "2512.07805", "2512.05865"]
    assert body["breakthrough_count"] == 3 and body["summary"] == ANSWER["summary"]
    assert len(body["trends"]) == 5 and [len(t["papers"]) for t in body["trends"]] == [3, 4, 3, 2, 2]
    assert len(body["notable"]) == 5 and len(body["honorable_mentions"]) == 5
    assert body["breakthroughs"][0]["url"] == "https://arxiv.org/abs/2512.07647"


def test_an_invented_paper_is_dropped_everywhere_it_is_named() -> None:
    a = answer()
    a["breakthroughs"][2] = {"arxiv_id": "2512.99999", "title": "Attention Is All You Need, Again",
                             "why_novel": "x", "key_innovations": ["a"], "evidence": ["b"], "impact": "c"}
    a["summary"] = a["summary"].replace("(3) 2512.05865", "(3) 2512.99999")
    a["trends"][0]["arxiv_ids"].append("2512.99999")
    a["honorable_mentions"].append({"arxiv_id": "2401.00001", "title": "A Paper From Another Year"})
    a["key_takeaway"] += " Compare the older 2511.00001."
    body, notes = validate_report(a, make_week())
    assert body["key_takeaway"] == ANSWER["key_takeaway"]
    assert ids(body["breakthroughs"]) == ["2512.07647", "2512.07805"]
    assert "2512.99999" not in json.dumps(body) and "2401.00001" not in json.dumps(body)
    assert body["summary"].startswith("41 papers analyzed. 2 breakthroughs: (1) 2512.07647")
    assert "(2) 2512.07805" in body["summary"] and "Trends:" in body["summary"]
    assert any("dropped 2512.99999" in n for n in notes) and any("2401.00001" in n for n in notes)
    assert any("breakthrough count corrected to 2" in n for n in notes)


def test_a_wrong_id_with_a_real_title_is_repaired_in_lists_and_text() -> None:
    a = answer()
    a["breakthroughs"][0]["arxiv_id"] = "2512.07648"  # off by one; the title is the real paper's
    a["summary"] = a["summary"].replace("2512.07647", "2512.07648")
    a["notable"][0]["arxiv_id"] = "2512.07647"  # another paper's id with KQ-SVD's title
    body, notes = validate_report(a, make_week())
    assert ids(body["breakthroughs"])[0] == "2512.07647"
    assert "2512.07648" not in body["summary"] and "(1) 2512.07647" in body["summary"]
    assert ids(body["notable"])[0] == "2512.05916"
    assert any("repaired 2512.07648 -> 2512.07647" in n for n in notes)
    assert any("repaired 2512.07647 -> 2512.05916" in n and "another paper's" in n for n in notes)


def test_titles_alone_and_shortened_titles_are_found() -> None:
    a = answer()
    a["notable"] = [{"arxiv_id": "", "title": "stronger normalization-free transformers", "line": "Derf."},
                    {"arxiv_id": "n/a", "title": "KQ-SVD: Compressing the KV Cache", "line": "prefix"}]
    body, _ = validate_report(a, make_week())
    assert ids(body["notable"]) == ["2512.10938", "2512.05916"]


def test_lists_are_capped_deduplicated_and_garbage_tolerated() -> None:
    a = answer()
    a["breakthroughs"] += [dict(a["breakthroughs"][0]), {**a["breakthroughs"][0], "arxiv_id": "2512.07011",
                                                          "title": "Block Sparse Flash Attention"}]
    a["notable"].insert(0, {"arxiv_id": "2512.07805", "title": "Group Representational Position Encoding",
                            "line": "again"})
    a["trends"].append("not an object")
    a["honorable_mentions"] = "none"
    a["breakthroughs"][1]["key_innovations"] = [f"point {i}" for i in range(9)]
    body, notes = validate_report(a, make_week())
    assert len(body["breakthroughs"]) == 3 and "2512.07011" not in ids(body["breakthroughs"])
    assert ids(body["notable"]).count("2512.07805") == 0  # already a breakthrough
    assert body["honorable_mentions"] == [] and len(body["trends"]) == 5
    assert len(body["breakthroughs"][1]["key_innovations"]) == 5
    assert any("kept the first 3" in n for n in notes)


def test_zero_breakthroughs_is_an_honest_answer() -> None:
    a = answer()
    a["breakthroughs"] = []
    a["summary"] = "41 papers analyzed. No breakthroughs this week. Trends: KV caches."
    body, notes = validate_report(a, make_week())
    assert body["breakthrough_count"] == 0 and "0 breakthroughs" in body["summary"]


def test_papers_the_team_voted_for_are_never_left_out() -> None:
    week = make_week({"2512.07112": 3, "2512.09892": 2, "2512.10922": 5, "2512.08240": 1})
    body, notes = validate_report(answer(), week)
    notable = {n["arxiv_id"]: n for n in body["notable"]}
    # FOAM (+3) was nowhere, Low Logit Rank (+2) only an honorable mention: both become notable papers.
    assert notable["2512.07112"]["added_for_votes"] and notable["2512.09892"]["added_for_votes"]
    assert notable["2512.07112"]["votes"] == 3 and notable["2512.10922"]["votes"] == 5
    assert "2512.09892" not in ids(body["honorable_mentions"])
    assert "2512.08240" not in notable  # +1 is below the bar
    assert len(body["notable"]) == 5
    # The model's last two notable papers made room and moved up front of the honorable mentions.
    assert ids(body["honorable_mentions"]) == ["2512.10427", "2512.06989", "2512.07782", "2512.10547",
                                               "2512.05534"]
    assert sum("which the model left out" in n for n in notes) == 2
    assert any("2512.07011 left out to make room" in n for n in notes)


def test_a_trend_naming_only_invented_papers_is_dropped() -> None:
    a = answer()
    a["trends"][1]["arxiv_ids"] = ["2512.99991", "2512.99992"]
    body, notes = validate_report(a, make_week())
    assert [t["name"] for t in body["trends"]] == [t["name"] for i, t in enumerate(ANSWER["trends"]) if i != 1]
    assert any("dropped trend 'Structure-aware KV-cache compression'" in n for n in notes)


def test_a_summary_without_breakthrough_ids_gets_them() -> None:
    a = answer()
    a["summary"] = "A strong week for sparse attention."
    body, _ = validate_report(a, make_week())
    assert all(i in body["summary"] for i in ("2512.07647", "2512.07805", "2512.05865"))
