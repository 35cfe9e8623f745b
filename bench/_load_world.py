"""The outside world of the load benchmark, in a process of its own: Slack Web API, arXiv and the model.

    python bench/_load_world.py --listings FILE --report OUT.json

Serves the fake Slack Web API (tests/fakes/slack_api.py: chat.postMessage, response_url, …) and the replay
server (bot/replay.py: arXiv's RSS feed of one real listing day, and a model answering instantly), prints
one JSON line with their URLs, and serves until its stdin closes; then writes what Slack received to OUT.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import threading
import time
from collections import Counter
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the fake Slack lives with the tests

from bot.core.models import Paper  # noqa: E402
from bot.replay import ReplayServer, rss_xml  # noqa: E402
from tests.fakes.slack_api import start_fake_slack  # noqa: E402

PICK_EVERY = 15  # every 15th paper is a pick (relevance 9, novelty 8): ~45 picks on a 700-paper day


def busiest_day(path: str, *, limit: int = 700) -> tuple[date, list[Paper]]:
    """The listing day with the most papers, and up to `limit` of them (all given cs.LG, as in the demo)."""
    by_day: dict[str, list[Paper]] = {}
    with gzip.open(path, "rt", encoding="utf-8") if path.endswith(".gz") else open(path, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            p = Paper(r["arxiv_id"], r["title"], r["abstract"], tuple(r["authors"]), ("cs.LG",))
            for d in r.get("listing_dates", []):
                by_day.setdefault(d, []).append(p)
    day = max(by_day, key=lambda d: len(by_day[d]))
    return date.fromisoformat(day), by_day[day][:limit]


def main() -> int:
    """Serve until stdin closes, then report."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--listings", required=True)
    ap.add_argument("--report", required=True)
    ap.add_argument("--llm-delay", type=float, default=0.3, help="seconds the model takes per call")
    args = ap.parse_args()
    day, papers = busiest_day(args.listings)
    answers = {p.arxiv_id: (9, 8, "Fits the team's criteria.") for p in papers[::PICK_EVERY]}
    slack, slack_server = start_fake_slack()
    with ReplayServer(feed=rss_xml([(p, "new") for p in papers], day), answers=answers) as replay:
        recorded = replay.answer

        def slow_answer(prompt: str) -> str:  # a model takes its time; the daily run posts during the load
            time.sleep(args.llm_delay)
            return recorded(prompt)

        replay.answer = slow_answer  # type: ignore[method-assign]
        print(json.dumps({"slack_api": slack.base_url, "response_url": slack.response_url("cmd"),
                          "replay": replay.url, "day": day.isoformat(), "papers": len(papers),
                          "picks": len(answers)}), flush=True)
        live = Path(args.report + ".live")
        done = threading.Event()

        def heartbeat() -> None:  # how many replies arrived so far, for the bench to wait on
            while not done.wait(0.25):
                with slack.lock:
                    n = sum(1 for c in slack.calls if c.method == "response_url")
                live.write_text(str(n))

        threading.Thread(target=heartbeat, daemon=True).start()
        sys.stdin.read()
        done.set()
        llm_calls = sum(1 for r in replay.requests if r["method"] == "POST")
    slack_server.shutdown()
    with slack.lock:
        calls = list(slack.calls)
    report = {"posts_at": [c.at for c in calls if c.method == "chat.postMessage" and c.status == 200],
              "responses": sum(1 for c in calls if c.method == "response_url"),
              "methods": Counter(c.method for c in calls), "llm_calls": llm_calls}
    Path(args.report).write_text(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
