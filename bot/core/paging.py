"""Long answers in pages: which slice a page shows, and the footer and "More" button that page on."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.message import Action

PER_PAGE = 10


@dataclass(frozen=True, slots=True)
class Page:
    """Which slice of a long answer to show (1-based page number)."""

    number: int
    total: int
    per_page: int = PER_PAGE

    @property
    def pages(self) -> int:
        """How many pages the answer has (at least one)."""
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def start(self) -> int:
        """Index of the page's first item."""
        return (self.number - 1) * self.per_page

    def slice(self, items: Sequence) -> list:
        """The items on this page."""
        return list(items[self.start : self.start + self.per_page])


def paging(page: Page, command: str) -> tuple[str, tuple[Action, ...]]:
    """("Page 2 of 5 — /papers week --page 3", (More,)) — nothing for a one-page answer."""
    if page.pages <= 1:
        return "", ()
    if page.number >= page.pages:
        return f"Page {page.number} of {page.pages}", ()
    nxt = f"{command} --page {page.number + 1}"
    return f"Page {page.number} of {page.pages} — {nxt}", (Action("More", nxt),)
