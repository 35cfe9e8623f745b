"""Threads of papers on a real SQLite file: cards and answers, digest posts, and the questions asked."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage import posts, threads
from storage.db import open_db


@pytest.fixture
def db(tmp_path: Path):
    d = open_db(tmp_path / "t.db")
    yield d
    d.close()


def _digest(db, *, platform: str = "slack") -> None:
    """A posted digest: a parent standing for two papers (split over two messages), then one reply each."""
    where = {"team": "foundations", "kind": "daily", "period": "2026-01-27", "platform": platform, "channel": "C1"}
    posts.record_post(db, **where, key="parent", message_ids=["100.1", "100.2"], thread_id="100.1",
                      papers=["2601.00001", "2601.00002"])
    posts.record_post(db, **where, key="2601.00001", message_ids=["101.1"], thread_id="100.1", papers=["2601.00001"])
    posts.record_post(db, **where, key="2601.00002", message_ids=["102.1"], thread_id="100.1", papers=["2601.00002"])


def test_a_digest_reply_is_about_its_paper_and_the_thread_about_all(db) -> None:
    _digest(db)
    assert threads.message_paper(db, platform="slack", message_id="101.1") == threads.ThreadPaper(
        "2601.00001", "foundations", "101.1")
    assert threads.message_paper(db, platform="slack", message_id="100.1") is None  # the parent stands for two
    assert threads.thread_papers(db, platform="slack", thread="100.1") == [("2601.00001", "foundations"),
                                                                          ("2601.00002", "foundations")]
    assert threads.thread_papers(db, platform="discord", thread="100.1") == []
    assert threads.thread_papers(db, platform="slack", thread="999") == []


def test_cards_and_answers_carry_their_conversation_root(db) -> None:
    threads.remember_messages(db, platform="discord", channel="9", message_ids=["7", "8"], arxiv_id="2601.00003",
                              team="foundations", root="7", kind="card")
    assert threads.message_paper(db, platform="discord", message_id="8").root == "7"
    threads.remember_messages(db, platform="discord", channel="9", message_ids=["8"], arxiv_id="2601.00003",
                              team="foundations", root="7", kind="answer")  # recording twice is harmless
    assert threads.message_paper(db, platform="slack", message_id="8") is None


def test_questions_come_back_oldest_first_per_thread_and_paper(db) -> None:
    for i in range(7):
        threads.add_question(db, platform="slack", root="1.0", arxiv_id="2601.00001", team="foundations",
                             user="U1", question=f"q{i}", answer=f"a{i}")
    threads.add_question(db, platform="slack", root="2.0", arxiv_id="2601.00001", team="foundations", user="U1",
                         question="elsewhere", answer="x")
    got = threads.thread_questions(db, platform="slack", root="1.0", arxiv_id="2601.00001", limit=3)
    assert got == [("q4", "a4"), ("q5", "a5"), ("q6", "a6")]
    assert threads.thread_questions(db, platform="slack", root="1.0", arxiv_id="2601.09999") == []
