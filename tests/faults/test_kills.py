"""SIGKILL real `paperbot daily` / `paperbot weekly` runs mid-post: every message ends up posted once and recorded.

Real subprocesses against fake Slack, Discord, arXiv and OpenAI on 127.0.0.1 (tests/faults/kill_world.py).
The first tests kill the poster exactly in the window that used to lose messages: the fake platform has
stored the message and the process dies before the answer reaches it. The last one lands a bounded number
of SIGKILLs at random points (bench/kills.py runs the full 100).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.kill_tally import Tally, run_trials
from tests.faults.kill_world import KillWorld


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KillWorld]:
    with KillWorld(tmp_path_factory.mktemp("kills")) as w:
        yield w


def _assert_clean(tally: Tally) -> None:
    assert tally.clean, (dict(tally), tally.notes)


def _claims(db: Path, kind: str) -> list[tuple[str, str, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT platform, key, message_ids FROM posts WHERE kind = ? AND message_ids = '[]'",
                            [kind]).fetchall()


@pytest.mark.parametrize(("kind", "platform", "nth"), [("daily", "slack", 3), ("weekly", "discord", 1)],
                         ids=["daily-slack-third-message", "weekly-discord-parent"])
def test_killed_after_the_platform_accepted_a_message_the_rerun_finds_and_records_it(
        world: KillWorld, kind: str, platform: str, nth: int) -> None:
    tally = Tally(trials=1)
    with world.trial(kind):
        world.run_killed_on_accept(kind, platform, nth, tally)
        assert tally["kills"] == 1
        left = _claims(world.db, kind)
        assert [(p, ids) for p, _, ids in left] == [(platform, "[]")]  # sent, never recorded: the old failure
        err = world.finish(kind, tally)
        world.check(kind, [], tally)
    assert "1 were found posted by an interrupted run and recorded" in err, err[-2000:]
    _assert_clean(tally)
    assert tally["accepted"] == sum(world.expected[kind].values())  # the rest of the thread: replies included


def test_random_sigkills_across_daily_and_weekly(world: KillWorld) -> None:
    # Two kills in a daily trial, two in a weekly one (a rerun killed again): bounded, the full 100 are bench/kills.py.
    tally = run_trials(world, kills=4, seed=2026, kinds=("daily", "weekly"), kills_per_trial=(2, 2))
    assert tally["kills"] == 4 and tally["trials"] >= 2  # a daily and a weekly trial at least (a run may end first)
    _assert_clean(tally)
