"""How far down the local ranking the LLM reads: a first round, then batches until the picks thin out.

No fixed cut-off. The first round sends the best-ranked share of the day (more of it while the
team model knows little, or when the team has been away); every further round sends the next
batch, re-ranked by a copy of the team model that has learned the day's verdicts so far. The run
stops when the last batch's pick rate, carried over what is left, predicts fewer missed picks
than (1 - target recall) of those found: a day unlike the history keeps yielding picks at its
margin and so goes deeper by itself. This is the stopping rule of technology-assisted review,
measured on the bench rather than assumed (bench/selection.py, bench/README.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

FIRST_SHARE = 0.3  # share of the day sent in the first round once the team model is trained (tuned)
FIRST_SHARE_COLD = 0.5  # ... with no trained model (the criteria alone rank less sharply)
BATCH = 20  # papers per further round
TARGET_RECALL = 0.98
TAIL_DECAY = 0.5  # the rest of the ranking holds on average this share of the last batch's pick rate
MAX_ROUNDS = 8
GAP_DAYS = 14  # a team back after this long gets the cold first round: its papers may have moved on
SMALL_DAY = 50  # a day of at most one batch is sent whole: a prefilter would save one call's worth at most


@dataclass(frozen=True, slots=True)
class Round:
    """One round's outcome: papers sent and how many of them the LLM picked (or nearly picked)."""

    sent: int
    hits: int


def first_round(n: int, *, digest_size: int, trained: bool, gap_days: int | None = None) -> int:
    """How many of the day's `n` best-ranked papers the first round sends."""
    if n <= SMALL_DAY:
        return n
    cold = not trained or (gap_days is not None and gap_days > GAP_DAYS)
    share = FIRST_SHARE_COLD if cold else FIRST_SHARE
    return min(n, max(digest_size, math.ceil(share * n)))


def estimated_missed(last: Round, remaining: int, *, decay: float = TAIL_DECAY) -> float:
    """Picks expected among the `remaining` unsent papers, from the last round's pick rate."""
    if last.sent <= 0:
        return 0.0
    return last.hits / last.sent * remaining * decay


def go_on(last: Round, *, found: int, remaining: int, rounds: int, target: float = TARGET_RECALL) -> bool:
    """Whether to send another batch: papers are left and stopping would likely cost more than the target allows."""
    if remaining <= 0 or rounds >= MAX_ROUNDS:
        return False
    return estimated_missed(last, remaining) > (1.0 - target) * max(found, 1)


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
