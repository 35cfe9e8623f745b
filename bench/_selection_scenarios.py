"""The selection bench's scenarios: which days a team lives through, and which of them are reported.

Every day is run through `paperbot daily` on the scenario's own store, in date order, so the model that
ranks day D has learned only the days before D (time-honest by construction). Tuning used days up to
2025-08-31 (rolling origin); every reported day is in 2025-09-01 .. 2025-12-31.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from _selection_anchor import AnchorPrompts, run_anchor
from _selection_data import Data
from _selection_team import DayRun, Team, replay_days
from oracle import Oracle, serve

from bot.core.models import Criteria
from bot.llm.client import OpenAIChat

TUNED_UNTIL = "2025-08-31"  # the last day any constant of the ranker or the prefilter was tuned on
NEW_TEAM_STARTS = ("2025-09-01", "2025-10-01", "2025-11-01", "2025-12-01")


@dataclass(frozen=True)
class Scenario:
    """A team's life: the days it runs, in order, and the reported groups of them."""

    name: str
    runs: tuple[str, ...]
    groups: dict[str, tuple[str, ...]]  # reported group label -> its days (a subset of runs)
    llm: bool = True
    votes: float = 0.0


WINDOWS = {
    # the reported months (never tuned on) and, for tuning by rolling origin, the months before them
    "eval": {"new": NEW_TEAM_STARTS, "3-months": ("2025-06-02", "2025-09-01", "2025-10-10"),
             "year": ("2025-03-18", "2025-11-01", "2025-12-31"), "ranker": ("2025-09-01", "2025-12-31"),
             "gap": (("2025-05-01", "2025-05-30"), ("2025-10-01", "2025-10-14"))},
    "tune": {"new": ("2025-05-01", "2025-06-02", "2025-07-01", "2025-08-01"),
             "3-months": ("2025-03-18", "2025-06-16", "2025-07-15"), "year": ("2025-03-18", "2025-07-16", "2025-08-31"),
             "ranker": ("2025-06-02", "2025-08-31"), "gap": (("2025-03-18", "2025-04-15"), ("2025-08-01", "2025-08-14"))},
}


def scenarios(data: Data, window: str = "eval") -> dict[str, Scenario]:
    """Every scenario of the bench, by name, on the reported months (`eval`) or the tuning months (`tune`)."""
    w = WINDOWS[window]
    out: dict[str, Scenario] = {}
    new_runs: list[str] = []
    day1: list[str] = []
    first10: list[str] = []
    next5: list[str] = []
    for start in w["new"]:  # four new teams, each on a fresh store: a run list per team
        days = replay_days(data, start, "2025-12-31")[:15]
        new_runs.extend(["new", *days])  # "new" marks a fresh store
        day1.append(days[0])
        first10.extend(days[:10])
        next5.extend(days[10:15])
    out["new-team"] = Scenario("new-team", tuple(new_runs), {
        "new team: day 1": tuple(day1), "new team: days 1-10": tuple(first10), "2 weeks in: days 11-15": tuple(next5)})
    first, report, last = w["3-months"]
    three = replay_days(data, first, last)
    out["3-months"] = Scenario("3-months", tuple(three), {"3 months in": tuple(d for d in three if d >= report)})
    first, report, last = w["year"]
    year = replay_days(data, first, last)
    lo, hi = w["ranker"]
    out["year"] = Scenario("year", tuple(year), {"longest history (from 2025-03-18)": tuple(d for d in year if d >= report),
                                                 "ranker: history": tuple(d for d in year if lo <= d <= hi)})
    (a, b), (c, d) = w["gap"]
    before, after = replay_days(data, a, b), replay_days(data, c, d)
    out["gap"] = Scenario("gap", (*before, *after), {"gap: months without runs": tuple(after)})
    days = replay_days(data, lo, hi)
    out["no-key"] = Scenario("no-key", tuple(days), {"ranker: zero-shot": tuple(days)}, llm=False)
    out["no-key+votes"] = Scenario("no-key+votes", tuple(days), {"ranker: zero-shot + votes": tuple(days)},
                                   llm=False, votes=0.5)
    return out


def run_scenario(data: Data, criteria: Criteria, prompts: AnchorPrompts, sc: Scenario, *,
                 anchor: bool) -> dict[str, Any]:
    """Run a scenario's days in order; per reported day our run, and the anchor's on the same candidates."""
    import asyncio

    oracle = Oracle({})
    reported = {d for days in sc.groups.values() for d in days}
    ours: dict[str, dict[str, Any]] = {}
    theirs: dict[str, dict[str, Any]] = {}
    t0 = time.perf_counter()
    with serve(oracle) as server:
        team: Team | None = None
        for d in sc.runs:
            if d == "new" or team is None:
                if team is not None:
                    team.close()
                team = Team(data, criteria, server.base_url if sc.llm else None, oracle, votes=sc.votes)
                if d == "new":
                    continue
            run = team.run(d)
            if d in reported:
                ours[d] = summary(run)
        if team is not None:
            team.close()
        if anchor and sc.llm:
            costed = {d for label, days in sc.groups.items() if not label.startswith("ranker:") for d in days}
            for d in sorted(costed):
                theirs[d] = asyncio.run(_anchor_day(data, d, criteria, prompts, oracle, server.base_url))
    return {"scenario": sc.name, "groups": {k: list(v) for k, v in sc.groups.items()}, "ours": ours,
            "anchor": theirs, "runs": sum(1 for d in sc.runs if d != "new"), "wall_s": round(time.perf_counter() - t0, 1)}


def summary(run: DayRun) -> dict[str, Any]:
    """The numbers the tables need from one day's run."""
    return {"candidates": run.candidates, "targets": len(run.targets), "found": run.found, "tokens": run.tokens,
            "calls": run.out["llm"]["calls"], "sent": run.sent, "hits@50": run.hits_at(50),
            "ranker_s": run.out["timings"]["ranker_s"]}


async def _anchor_day(data: Data, d: str, criteria: Criteria, prompts: AnchorPrompts, oracle: Oracle,
                      base_url: str) -> dict[str, Any]:
    """The anchor's two passes over day d's candidates, through the same client and oracle."""
    day = data.day(d)
    oracle.known = day.known()
    chat = OpenAIChat(model="oracle", base_url=base_url, max_retries=0)
    res = await run_anchor(day.papers, chat, prompts, relevance_cutoff=criteria.relevance_cutoff,
                           novelty_cutoff=criteria.novelty_cutoff)
    await chat.aclose()
    return {"candidates": len(day.papers), "targets": len(day.targets), "found": len(day.targets & set(res.selected)),
            "tokens": sum(c.prompt_tokens + c.completion_tokens for c in res.calls), "calls": len(res.calls)}
