"""Which reaction means what: up/down votes and numbered reactions, for every platform."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# Numbered reactions pick the n-th paper of a digest message (1..10).
SLACK_NUMBERS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "keycap_ten")
UNICODE_NUMBERS = ("1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣", "🔟")


@dataclass(frozen=True, slots=True)
class VoteEmoji:
    """The reactions that vote on one platform: `up` adds +1, `down` -1 (numbered reactions always count)."""

    up: tuple[str, ...] = ("+1", "👍", "thumbsup", "up")
    down: tuple[str, ...] = ("-1", "👎", "thumbsdown", "down")

    def classify(self, emoji: str) -> tuple[int, int] | None:
        """(slot, value) of a reaction with these emoji, or None when it is not a vote (see `classify`)."""
        return classify(emoji, up=self.up, down=self.down)


def normalize_emoji(emoji: str) -> str:
    """Canonical form: no Slack skin-tone suffix, no colons, no variation selectors."""
    e = emoji.strip().strip(":")
    e = e.split("::", 1)[0]  # "+1::skin-tone-2" -> "+1"
    return e.replace("\ufe0f", "")


def classify(emoji: str, *, up: Sequence[str], down: Sequence[str]) -> tuple[int, int] | None:
    """(slot, value) for a reaction: slot 0 = the message's own paper, k = numbered k; None = not a vote."""
    e = normalize_emoji(emoji)
    if e in {normalize_emoji(u) for u in up}:
        return 0, 1
    if e in {normalize_emoji(d) for d in down}:
        return 0, -1
    for i, (s, u) in enumerate(zip(SLACK_NUMBERS, UNICODE_NUMBERS, strict=True)):
        if e in (s, normalize_emoji(u)):
            return i + 1, 1
    return None


def number_emoji(n: int, platform: str) -> str:
    """The reaction that votes for the n-th paper of a message (1-based), as the platform names it."""
    return SLACK_NUMBERS[n - 1] if platform == "slack" else UNICODE_NUMBERS[n - 1]
