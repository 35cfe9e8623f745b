"""Progress of long start-up work: a tqdm bar when stderr is a terminal, plain log lines otherwise."""

from __future__ import annotations

import logging
import sys
from typing import TextIO

from tqdm import tqdm

log = logging.getLogger("paperbot.progress")


class BarProgress:
    """One tqdm bar per phase on a terminal."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._bar: tqdm | None = None

    def phase(self, title: str, *, total: int, unit: str, done: int = 0) -> None:
        """Close the last bar and open one for this phase."""
        self.close()
        self._bar = tqdm(total=total, initial=done, desc=title, unit=f" {unit}", file=self.stream,
                         dynamic_ncols=True, leave=True)

    def advance(self, note: str = "") -> None:
        """One step: the bar moves and shows the note."""
        if self._bar is not None:
            if note:
                self._bar.set_postfix_str(note, refresh=False)
            self._bar.update(1)

    def close(self) -> None:
        """Finish the current bar."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None


class LogProgress:
    """One log line per step (a service's log, a pipe, Docker): no bar escapes in the log."""

    def __init__(self) -> None:
        self._title, self._total, self._done = "", 0, 0

    def phase(self, title: str, *, total: int, unit: str, done: int = 0) -> None:
        """Log the phase."""
        self._title, self._total, self._done = title, total, done
        log.info("%s: %d %s(s) to do%s", title, total - done, unit, f", {done} done before" if done else "")

    def advance(self, note: str = "") -> None:
        """Log the step as n/total."""
        self._done += 1
        log.info("%s [%d/%d] %s", self._title, self._done, self._total, note)

    def close(self) -> None:
        """Nothing to finish."""


def terminal_progress(stream: TextIO | None = None) -> BarProgress | LogProgress:
    """A bar when `stream` (stderr) is a terminal, else log lines."""
    stream = stream or sys.stderr
    return BarProgress(stream) if stream.isatty() else LogProgress()
