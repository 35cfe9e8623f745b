"""SIGKILL `paperbot daily` and `paperbot weekly` at random points; count duplicate, missing, unrecorded posts.

    python bench/kills.py [--kills 100] [--seed 13] [--kinds daily,weekly] [--json]

Real subprocesses against fake Slack, Discord, arXiv and OpenAI servers on 127.0.0.1 (tests/fakes); see
tests/faults/kill_world.py for what a trial is and what is counted.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.faults.kill_tally import run_trials
from tests.faults.kill_world import KillWorld


def main() -> int:
    """Run the trials and print the figures."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--kills", type=int, default=100)
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--kinds", default="daily,weekly")
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp, KillWorld(Path(tmp)) as world:
        tally = run_trials(world, kills=args.kills, seed=args.seed, kinds=tuple(args.kinds.split(",")))
        expected = {k: dict(v) for k, v in world.expected.items()}
    took = time.monotonic() - started
    if args.json:
        print(json.dumps({**tally, "notes": tally.notes, "expected_per_run": expected, "seconds": round(took, 1)}))
    else:
        print(f"{tally['kills']} SIGKILLs in {tally['trials']} trials ({tally['runs']} runs, {took:.0f} s); "
              f"messages per clean run: {expected}")
        print(f"accepted {tally['accepted']} · found after a kill and recorded {tally['recovered']} · duplicates {tally['duplicates']} · missing {tally['missing']} · "
              f"unrecorded {tally['unrecorded']} · claims left {tally['claims_left']} · final runs failed "
              f"{tally['failed_runs']}")
        for note in tally.notes:
            print("  -", note)
    return 0 if tally.clean else 1


if __name__ == "__main__":
    sys.exit(main())
