"""Start-up progress: a tqdm bar on a terminal, one log line per step anywhere else."""

from __future__ import annotations

import io
import logging

import pytest

from bot.progress import BarProgress, LogProgress, terminal_progress


class Terminal(io.StringIO):
    """A stream that says it is a terminal (as stderr does in an interactive shell)."""

    def isatty(self) -> bool:
        """Yes."""
        return True


def test_a_terminal_gets_a_bar_with_the_step_it_is_at() -> None:
    term = Terminal()
    bar = terminal_progress(term)
    assert isinstance(bar, BarProgress)
    bar.phase("Fetching arXiv announcement days", total=7, unit="day", done=2)
    bar.advance("2026-02-04: 612 papers")
    bar.close()
    out = term.getvalue()
    assert "\r" in out and "Fetching arXiv announcement days" in out and "3/7" in out
    assert "2026-02-04: 612 papers" in out


def test_a_pipe_gets_log_lines_and_no_bar(caplog: pytest.LogCaptureFixture) -> None:
    pipe = io.StringIO()
    progress = terminal_progress(pipe)
    assert isinstance(progress, LogProgress)
    with caplog.at_level(logging.INFO, logger="paperbot.progress"):
        progress.phase("Scoring for each team", total=2, unit="digest")
        progress.advance("foundations 2026-02-06: 12 picks")
    assert pipe.getvalue() == ""
    assert "Scoring for each team: 2 digest(s) to do" in caplog.text
    assert "Scoring for each team [1/2] foundations 2026-02-06: 12 picks" in caplog.text
