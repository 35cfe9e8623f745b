"""The tolerant score parser: every shape a server without structured output may answer in."""

from __future__ import annotations

import json

from bot.llm.parse import parse_answer, parse_scores, score_value

ENTRY = {"id": "2601.00001", "comment": "MoE routing", "relevance": 9, "novelty": 7}


def _one(text: str) -> tuple[int, int, str]:
    s = parse_scores(text)["2601.00001"]
    return s.relevance, s.novelty, s.comment


def test_structured_object() -> None:
    assert _one(json.dumps({"papers": [ENTRY]})) == (9, 7, "MoE routing")


def test_bare_list() -> None:
    assert _one(json.dumps([ENTRY])) == (9, 7, "MoE routing")


def test_jsonl_with_anchor_style_uppercase_keys() -> None:
    text = ('{"ARXIVID": "2601.00001", "COMMENT": "Matches MoE", "RELEVANCE": 9, "NOVELTY": 8}\n'
            '{"ARXIVID": "2601.00002", "COMMENT": "No match", "RELEVANCE": 3, "NOVELTY": 4}\n')
    scores = parse_scores(text)
    assert (scores["2601.00001"].relevance, scores["2601.00001"].novelty) == (9, 8)
    assert scores["2601.00002"].comment == "No match"


def test_fenced_answer_with_prose_around_it() -> None:
    text = "Here are the scores:\n```json\n" + json.dumps({"papers": [ENTRY]}) + "\n```\nHope this helps!"
    assert _one(text) == (9, 7, "MoE routing")


def test_reasoning_preamble_is_ignored() -> None:
    text = '<think>maybe {"id": "2601.00001", "relevance": 1, "novelty": 1}</think>' + json.dumps([ENTRY])
    assert _one(text) == (9, 7, "MoE routing")


def test_scores_as_strings_are_read_and_out_of_range_ones_rejected_not_clamped() -> None:
    text = json.dumps([
        {"Id": "2601.00001", "Relevance": "8", "Novelty": "7/10", "Comment": "ok"},
        {"arxiv_id": "2601.00002", "relevance": 15, "novelty": 0, "comment": ""},
        {"id": "2601.00003", "relevance": 7.6, "novelty": "-3", "comment": ""},
        {"id": "2601.00004", "relevance": 42, "novelty": 9, "comment": "obviously great"},
        {"id": "2601.00005", "relevance": "8 (high)", "novelty": 10.4, "comment": ""},
    ])
    answer = parse_answer(text)
    assert (answer.scores["2601.00001"].relevance, answer.scores["2601.00001"].novelty) == (8, 7)
    assert set(answer.scores) == {"2601.00001"}
    assert answer.rejected["2601.00002"] == "relevance '15' not in 1-10, novelty '0' not in 1-10"
    assert answer.rejected["2601.00003"] == "novelty '-3' not in 1-10"
    assert answer.rejected["2601.00004"] == "relevance '42' not in 1-10"
    assert set(answer.rejected) == {"2601.00002", "2601.00003", "2601.00004", "2601.00005"}


def test_score_values_at_the_edges() -> None:
    assert [score_value(v) for v in (1, 10, "10/10", " 7 ", 7.6, 1.0)] == [1, 10, 10, 7, 8, 1]
    assert [score_value(v) for v in (0, 0.99, 10.01, 11, -1, "8/5", "eight", float("nan"), float("inf"))] == [None] * 9


def test_a_valid_entry_after_a_rejected_one_for_the_same_id_is_used() -> None:
    text = json.dumps([dict(ENTRY, relevance=42), ENTRY])
    answer = parse_answer(text)
    assert answer.scores["2601.00001"].relevance == 9 and answer.rejected == {}


def test_entries_without_both_scores_are_not_scores() -> None:
    text = json.dumps([{"id": "2601.00001", "relevance": "high", "novelty": 5}, {"id": "2601.00002", "novelty": 5}])
    assert parse_scores(text) == {}
    assert parse_answer(text).rejected == {"2601.00001": "relevance 'high' not in 1-10",
                                           "2601.00002": "relevance missing"}
    assert score_value(True) is None and score_value(None) is None and score_value("n/a") is None


def test_ids_with_prefix_or_version_are_normalised() -> None:
    text = json.dumps([dict(ENTRY, id="arXiv:2601.00001v3")])
    assert _one(text)[0] == 9


def test_truncated_answer_keeps_the_complete_entries() -> None:
    full = json.dumps({"papers": [ENTRY, dict(ENTRY, id="2601.00002"), dict(ENTRY, id="2601.00003")]})
    cut = full[: full.index("2601.00003") + 4]
    assert set(parse_scores(cut)) == {"2601.00001", "2601.00002"}


def test_prose_yields_nothing() -> None:
    assert parse_scores("I'm unable to provide real-time weather updates.") == {}
    assert parse_scores("") == {}


def test_first_entry_per_id_wins_and_comments_become_one_short_line() -> None:
    text = json.dumps([dict(ENTRY, comment="line one\nline two " + "x" * 300), dict(ENTRY, relevance=1)])
    s = parse_scores(text)["2601.00001"]
    assert s.relevance == 9
    assert "\n" not in s.comment and len(s.comment) <= 200 and s.comment.startswith("line one line two")
