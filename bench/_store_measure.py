"""Latency of what users and the daily run ask of a big store: p50/p95/max over many runs."""

from __future__ import annotations

import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from importlib import import_module
from pathlib import Path

from sqlite_utils import Database

import handlers
from bot.core.message import Message
from bot.core.models import Request
from handlers.deps import Deps
from handlers.learning import POOL_DAYS
from storage import digests, feedback, scores, team_models, votes
from storage import papers as paper_store
from storage.scores import ScoreKey

# Single common and rare words, author names, quoted phrases, multi-word questions.
QUERIES = (
    "learning", "model", "transformer", "diffusion", "quantization", "pruning", "tokamak", "phylogenetic",
    '"mixture of experts"', '"large language models"', '"KV cache"', '"graph neural network"',
    "Yoshua Bengio", "Sergey Levine", "Yann LeCun",
    "sparse attention long context", "low-rank adaptation fine-tuning", "reinforcement learning from human feedback",
    "MoE routing load balancing", "federated",
)


@dataclass
class Timing:
    """Samples of one operation, in milliseconds."""

    name: str
    via: str  # what was timed: the command through BotService, or the storage calls
    samples: list[float] = field(default_factory=list)
    slowest: str = ""  # for mixed workloads: which input was slowest (by median)
    per_input: dict[str, float] = field(default_factory=dict)  # median ms per input, for mixed workloads

    def pct(self, q: float) -> float:
        """Nearest-rank percentile."""
        xs = sorted(self.samples)
        return xs[min(len(xs) - 1, max(0, round(q / 100 * len(xs) + 0.5) - 1))] if xs else float("nan")

    def row(self) -> dict:
        """JSON-able summary."""
        return {"name": self.name, "via": self.via, "n": len(self.samples), "p50_ms": round(self.pct(50), 2),
                "p95_ms": round(self.pct(95), 2), "max_ms": round(max(self.samples), 2), "slowest": self.slowest,
                **({"p50_ms_per_input": self.per_input} if self.per_input else {})}


@dataclass
class FixedClock:
    """The bot's clock on the store's last day, so "this week" is the store's last week."""

    at: datetime

    def now(self) -> datetime:
        """The fixed instant."""
        return self.at

    def today(self) -> date:
        """Its date."""
        return self.at.date()


def clock_on(day: date) -> FixedClock:
    """A clock at 12:00 UTC of `day`."""
    return FixedClock(datetime.combine(day, dtime(12, 0), tzinfo=UTC))


def commands_ready() -> bool:
    """True once handlers/commands is a package that registers /papers (another helper writes it)."""
    if not (Path(handlers.__file__).parent / "commands" / "__init__.py").exists():
        return False
    try:
        import_module("handlers.commands")  # registers the commands
        from handlers.registry import REGISTRY

        return REGISTRY.get("papers") is not None
    except Exception as e:  # half-written commands: measure the storage calls instead, and say so
        print(f"handlers.commands does not import ({type(e).__name__}: {e}): timing the storage calls",
              file=sys.stderr)
        return False


async def _timed(t: Timing, fn: Callable[[], Awaitable[object]], *, n: int, warmup: int) -> None:
    for i in range(n + warmup):
        t0 = time.perf_counter()
        await fn()
        if i >= warmup:
            t.samples.append((time.perf_counter() - t0) * 1000)


def _check(msg: Message, what: str) -> Message:
    """A benchmark of an error reply would time the wrong thing: fail loudly instead."""
    text = msg.fallback or ""
    if text.startswith(("Sorry", "Unknown command", "There is no", "Type what")) or "Usage:" in text:
        raise RuntimeError(f"{what} answered an error: {text[:200]}")
    return msg


async def papers_week(deps: Deps, *, team: str, n: int, warmup: int = 3) -> Timing:
    """`/papers week` as a Slack user runs it, or (before the commands exist) its storage query."""
    end = deps.clock.today()
    if commands_ready():
        from handlers.service import BotService

        service = BotService(deps)
        req = Request(platform="slack", team=team, channel="CBENCH", user="U0BENCH00", text="week",
                      command="papers")
        t = Timing("/papers week", "BotService.run_command")

        async def run() -> None:
            msg = _check(await service.run_command(req), "/papers week")
            if not msg.papers and "No papers" in msg.fallback:
                raise RuntimeError("/papers week found no picks: the clock is not on the store's last day")
    else:
        t = Timing("/papers week", "storage: picks_between (7 days) + row_to_pick")

        async def run() -> None:
            rows = await deps.store.call(digests.picks_between, team, end - timedelta(days=6), end)
            if not rows:
                raise RuntimeError("no picks in the last 7 days of the store")
            [digests.row_to_pick(r) for r in rows]
    await _timed(t, run, n=n, warmup=warmup)
    return t


async def papers_stats(deps: Deps, *, team: str, span: str, n: int, warmup: int = 3) -> Timing:
    """`/papers stats <span>` as a Slack user runs it: every aggregate of the period on the team's year."""
    from handlers.service import BotService

    service = BotService(deps)
    req = Request(platform="slack", team=team, channel="CBENCH", user="U0BENCH00", text=f"stats {span}",
                  command="papers")
    t = Timing(f"/papers stats {span}", "BotService.run_command")

    async def run() -> None:
        msg = _check(await service.run_command(req), f"/papers stats {span}")
        if ": 0 picked" in msg.fallback:
            raise RuntimeError(f"/papers stats {span} counted no picks: the clock is not on the store's last day")

    await _timed(t, run, n=n, warmup=warmup)
    return t


async def papers_search(deps: Deps, *, team: str, n: int, queries: tuple[str, ...] = QUERIES) -> Timing:
    """`/papers search <words>` over a mix of queries, each run the same number of times."""
    per_query: dict[str, list[float]] = {}
    if commands_ready():
        from handlers.service import BotService

        service = BotService(deps)
        via = "BotService.run_command"

        async def one(q: str) -> None:
            req = Request(platform="slack", team=team, channel="CBENCH", user="U0BENCH00", text=f"search {q}",
                          command="papers")
            _check(await service.run_command(req), f"/papers search {q}")
    else:
        via = "storage: papers.search (page of 10 + total)"

        async def one(q: str) -> None:
            await deps.store.call(paper_store.search, q, limit=10)
    t = Timing("/papers search", via)
    for q in queries:  # warm each query once: the first run of a term reads its FTS pages from disk
        await one(q)
    for i in range(n):
        q = queries[i % len(queries)]
        t0 = time.perf_counter()
        await one(q)
        ms = (time.perf_counter() - t0) * 1000
        t.samples.append(ms)
        per_query.setdefault(q, []).append(ms)
    t.per_input = {q: round(sorted(xs)[len(xs) // 2], 2) for q, xs in per_query.items()}
    worst = max(t.per_input, key=t.per_input.__getitem__)
    t.slowest = f"{worst} (median {t.per_input[worst]:.0f} ms)"
    return t


def like_ids(db: Database, *, per_kind: int = 5) -> list[str]:
    """Papers to run `/papers like` on: real and synthetic, each with short, median and long abstracts."""
    out: list[str] = []
    for synthetic in (False, True):
        rows = db.execute("SELECT arxiv_id, length(abstract) FROM papers WHERE (arxiv_id >= '9') = ? "
                          "AND rowid % 97 = 0 ORDER BY length(abstract), arxiv_id", [synthetic]).fetchall()
        if not rows:
            continue
        for q in (0.02, 0.5, 0.98):  # shortest, median and longest abstracts of an even sample
            start = max(0, min(len(rows) - per_kind, int(q * len(rows)) - per_kind // 2))
            out += [r[0] for r in rows[start:start + per_kind]]
    return list(dict.fromkeys(out))


async def papers_like(deps: Deps, *, team: str, n: int) -> Timing:
    """`/papers like <id>` through BotService over a varied set of papers, each run the same number of times."""
    from handlers.service import BotService

    service = BotService(deps)
    ids = await deps.store.call(like_ids)
    per_id: dict[str, list[float]] = {}

    async def one(pid: str) -> None:
        req = Request(platform="slack", team=team, channel="CBENCH", user="U0BENCH00", text=f"like {pid}",
                      command="papers")
        msg = _check(await service.run_command(req), f"/papers like {pid}")
        if not msg.papers:
            raise RuntimeError(f"/papers like {pid} found no similar paper")

    t = Timing("/papers like", f"BotService.run_command, {len(ids)} papers")
    for pid in ids:  # warm each once, as for search
        await one(pid)
    for i in range(n):
        pid = ids[i % len(ids)]
        t0 = time.perf_counter()
        await one(pid)
        ms = (time.perf_counter() - t0) * 1000
        t.samples.append(ms)
        per_id.setdefault(pid, []).append(ms)
    t.per_input = {pid: round(sorted(xs)[len(xs) // 2], 2) for pid, xs in per_id.items()}
    worst = max(t.per_input, key=t.per_input.__getitem__)
    t.slowest = f"{worst} (median {t.per_input[worst]:.0f} ms)"
    return t


async def vote_recording(deps: Deps, *, team: str, paper_ids: list[str], n: int) -> Timing:
    """set_vote through store.call: a vote reaction stored and the vote re-derived, as a reaction is."""
    t = Timing("vote recording", "store.call(votes.set_vote)")
    done: list[tuple[str, str]] = []
    try:
        for i in range(n):
            pid, user = paper_ids[i % len(paper_ids)], f"bench-voter-{i // len(paper_ids):03d}"
            t0 = time.perf_counter()
            await deps.store.call(votes.set_vote, team=team, arxiv_id=pid, platform="slack", user=user, value=1)
            t.samples.append((time.perf_counter() - t0) * 1000)
            done.append((pid, user))
    finally:
        for pid, user in done:
            await deps.store.call(votes.remove_vote, team=team, arxiv_id=pid, platform="slack", user=user, value=1)
    return t


async def digest_query(deps: Deps, *, team: str, key: ScoreKey, ids: list[str], day: date, n: int) -> list[Timing]:
    """What a daily run reads before ranking: the day's cached scores, votes, the team model, the pool's papers."""
    parts = {"cached_scores": Timing("  cached_scores (day's ids)", f"store.call, {len(ids)} ids"),
             "voted_ids": Timing("  voted_ids", "store.call"),
             "model": Timing("  team model (load_model)", "store.call"),
             "pool": Timing(f"  pool: papers of the {POOL_DAYS} listing days before", "store.call")}
    total = Timing("digest query", "cached_scores + voted_ids + team model + pool")
    for i in range(n + 1):
        t = [time.perf_counter()]
        cached = await deps.store.call(scores.cached_scores, key, ids)
        t.append(time.perf_counter())
        await deps.store.call(votes.voted_ids, team)
        t.append(time.perf_counter())
        await deps.store.call(team_models.load_model, team)
        t.append(time.perf_counter())
        pool = await deps.store.call(feedback.recent_papers, day, days=POOL_DAYS)
        t.append(time.perf_counter())
        if not cached or not pool:
            raise RuntimeError("the digest query found no cached scores or pool: the store does not match the run")
        if i == 0:
            continue  # warm-up
        for name, a, b in zip(parts, t, t[1:], strict=False):
            parts[name].samples.append((b - a) * 1000)
        total.samples.append((t[-1] - t[0]) * 1000)
    return [total, *parts.values()]
