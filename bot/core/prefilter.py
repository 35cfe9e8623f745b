"""How far down the local ranking the LLM reads: a first round, then batches until the picks thin out.

No fixed cut-off. Once the team model has learned enough picks (MATURE_POSITIVES), it predicts
each paper's chance of being picked; the first round sends the best-ranked papers until they hold
TARGET_RECALL of the day's predicted picks, and the LLM keeps reading while the picks predicted among
the papers left exceed what the target allows (or the last batch's picks, carried over the rest, do).
The prediction is checked against the day itself:
when the papers read so far hold more picks than predicted (a day unlike the history, a team back
from a break), the prediction for the rest is scaled up by that ratio, and the LLM reads deeper.
Before the model is mature the first round is a fixed share of the day and the rounds go on while
the last batch's pick rate, carried over what is left, predicts too many misses (the stopping rule
of technology-assisted review). Every further round is re-ranked by a copy of the team model that
has learned the day's verdicts so far. Tuned on rolling 2025 days (bench/README.md).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

TARGET_RECALL = 0.975  # tuned on the 2025 tuning months (bench/README.md): the reported recall lands at 98-99 %
MATURE_POSITIVES = 30  # learned picks before the model's predictions size the rounds
FIRST_SHARE_COLD = 0.3  # share of the day sent first while the model is not mature (tuned)
BATCH = 20  # papers per further round
TAIL_DECAY = 0.3  # the rest of the ranking holds on average this share of the last batch's pick rate (tuned)
RATIO_MIN, RATIO_MAX = 1.0, 5.0  # bounds of the day's found/predicted correction
MAX_ROUNDS = 8
GAP_DAYS = 14  # a team back after this long gets the cold first round: its papers may have moved on
SMALL_DAY = 50  # a day of at most one batch is sent whole: a prefilter would save one call's worth at most


@dataclass(frozen=True, slots=True)
class Round:
    """One round's outcome: papers sent and how many of them the LLM picked."""

    sent: int
    hits: int


def pick_chances(logits: np.ndarray, *, positives: float, negatives: float) -> np.ndarray:
    """The model's chance that each paper is picked: its class-balanced log-odds moved to the team's pick rate."""
    prior = math.log(max(positives, 1e-9) / max(negatives, 1e-9))
    return 1.0 / (1.0 + np.exp(-(np.asarray(logits, dtype=np.float64) + prior)))


def first_round(n: int, *, digest_size: int, chances: Sequence[float] | None = None,
                gap_days: int | None = None, target: float | None = None) -> int:
    """How many of the day's `n` best-ranked papers the first round sends (`chances` in ranking order)."""
    target = TARGET_RECALL if target is None else target
    if n <= SMALL_DAY:
        return n
    away = gap_days is not None and gap_days > GAP_DAYS
    if chances is None or away:
        return min(n, max(digest_size, math.ceil(FIRST_SHARE_COLD * n)))
    cum = np.cumsum(np.asarray(chances, dtype=np.float64))
    k = int(np.searchsorted(cum, target * cum[-1])) + 1 if cum[-1] > 0 else digest_size
    return min(n, max(digest_size, k))


def expected_missed(*, found: int, last: Round, remaining: int, sent_chance: float | None = None,
                    unsent_chance: float | None = None) -> float:
    """Picks expected among the `remaining` unsent papers: the larger of two estimates.

    The last round's pick rate carried, decaying, over what is left; and, with the model's chances,
    their sum over the unsent papers scaled by how many picks the sent papers held against their
    predicted number. The model's tails are too thin on some days (a topic it has not met yet): the
    observed margin then keeps the LLM reading.
    """
    if remaining <= 0:
        return 0.0
    tail = last.hits / last.sent * remaining * TAIL_DECAY if last.sent > 0 else 0.0
    if sent_chance is None or unsent_chance is None:
        return tail
    ratio = min(RATIO_MAX, max(RATIO_MIN, found / sent_chance if sent_chance > 0 else RATIO_MAX))
    return max(tail, unsent_chance * ratio)


def go_on(expected: float, *, found: int, remaining: int, rounds: int, target: float | None = None) -> bool:
    """Whether to send another batch: papers are left and the picks expected there exceed what the target allows."""
    target = TARGET_RECALL if target is None else target
    if remaining <= 0 or rounds >= MAX_ROUNDS:
        return False
    return expected > (1.0 - target) * (found + expected)


@dataclass(frozen=True, slots=True)
class PrefilterStats:
    """What the LLM rounds did, so a loss of recall is never silent."""

    enabled: bool
    reason: str  # in words: how far the LLM read and why it stopped, or why every paper went to it
    candidates: int = 0  # papers that needed a score in this run (after author/exclude/cache)
    sent: int = 0  # sent to the LLM
    decided_locally: int = 0  # ranked below where the rounds stopped
    rounds: int = 0
    first_round: int = 0
    estimated_missed: float = 0.0  # picks the stopping rule expects among the papers not sent
    criteria_weight: float = 1.0  # weight of the criteria score next to the team model's
    history_positives: float = 0.0  # picks (weighted) the team model has learned from


def describe(*, enabled: bool, reason: str, candidates: int, sent: int = 0, decided_locally: int = 0,
             rounds: int = 0, first_round: int = 0, estimated_missed: float = 0.0, weight: float = 1.0,
             positives: float = 0.0, gap_days: int | None = None) -> PrefilterStats:
    """PrefilterStats with the reason written out from the numbers when none is given."""
    if not reason:
        if not enabled:
            reason = "prefilter switched off: every paper went to the LLM"
        elif candidates <= SMALL_DAY:
            reason = f"a small day ({candidates} papers, at most one batch) is read whole by the LLM"
        elif not decided_locally:
            reason = f"the LLM read all {candidates} papers in {rounds} round(s): picks never thinned out"
        else:
            away = f"; back after {gap_days} days" if gap_days and gap_days > GAP_DAYS else ""
            reason = (f"the LLM read the best {sent} of {candidates} in {rounds} round(s) (first {first_round}) and "
                      f"stopped where picks thinned out: ~{estimated_missed:.1f} picks expected among the "
                      f"{decided_locally} not read; ranking {1 - weight:.0%} team model "
                      f"({positives:.0f} past picks), {weight:.0%} criteria{away}")
    return PrefilterStats(enabled, reason, candidates=candidates, sent=sent, decided_locally=decided_locally,
                          rounds=rounds, first_round=first_round, estimated_missed=estimated_missed,
                          criteria_weight=weight, history_positives=positives)
