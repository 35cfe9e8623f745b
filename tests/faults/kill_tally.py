"""What SIGKILLed runs did, summed over trials, and the trial loop (see kill_world.py for the world)."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.faults.kill_world import KillWorld


COUNTS = ("trials", "runs", "kills", "accepted", "recovered", "duplicates", "missing", "unrecorded", "claims_left",
          "failed_runs")
# What a run logs for each message it found on the platform after a crash (recorded, not sent again).
RECOVERED = "(a run stopped before recording it): recorded, not sent again"


class Tally(Counter[str]):
    """What the kills did, summed over trials: a count per name in COUNTS ("recovered": messages a run found
    on the platform after a kill and recorded; "failed_runs": final, unkilled runs that did not exit 0;
    "claims_left": posts rows still claimed at the end), and notes saying where."""

    def __init__(self, **counts: int) -> None:
        super().__init__(dict.fromkeys(COUNTS, 0))
        self.update(counts)
        self.notes: list[str] = []

    def add(self, other: Tally) -> None:
        """Sum another tally into this one."""
        self.update(other)
        self.notes.extend(other.notes)

    @property
    def clean(self) -> bool:
        """No duplicate, missing or unrecorded message, no claim left, every final run ok."""
        return not any(self[k] for k in ("duplicates", "missing", "unrecorded", "claims_left", "failed_runs"))


@dataclass(frozen=True)
class Seen:
    """One message a fake accepted."""

    platform: str
    ident: str  # what the message says: the same text twice is the same message posted twice
    message_id: str


def run_trials(world: KillWorld, *, kills: int, seed: int, kinds: tuple[str, ...] = ("daily", "weekly"),
               kills_per_trial: tuple[int, int] = (1, 3)) -> Tally:
    """Trials of each kind in turn until `kills` SIGKILLs have landed; the summed tally."""
    rng = random.Random(seed)
    total = Tally()
    i = 0
    while total["kills"] < kills:
        kind = kinds[i % len(kinds)]
        i += 1
        tally = Tally(trials=1)
        with world.trial(kind):
            before = world.seen()
            for _ in range(rng.randint(*kills_per_trial)):
                if total["kills"] + tally["kills"] >= kills:
                    break
                world.run_killed(kind, rng, tally, trial_start=len(before))
            world.finish(kind, tally)
            world.check(kind, before, tally)
        total.add(tally)
    return total
