"""Ingest a YearPlan through the real storage functions, day by day, as a year of daily runs would."""

from __future__ import annotations

import random
import sqlite3
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from _store_data import YearPlan
from sqlite_utils import Database

from bot.core.models import Digest, LLMUsage, Paper, Pick
from bot.ports import CallRecord
from storage import digests, jobs, scores, vectors, votes
from storage import papers as paper_store
from storage.scores import ScoreKey

# A few dozen team members on two platforms; most votes are up-votes on the day's picks.
USERS = [("slack", f"U0BENCH{i:02d}") for i in range(24)] + [("discord", f"90000000000000{i:02d}") for i in range(12)]
_VOTERS_PER_PICK = {0: 45, 1: 25, 2: 15, 3: 8, 4: 4, 5: 2, 6: 1}


@dataclass
class IngestStats:
    """What loading the year cost."""

    days: int = 0
    papers: int = 0  # distinct papers in the store at the end
    listing_rows: int = 0
    scores: int = 0
    picks: int = 0
    votes: int = 0
    listing_s: float = 0.0  # time inside save_listing (papers + FTS + term rows + listings)
    scores_s: float = 0.0
    digests_s: float = 0.0
    votes_s: float = 0.0
    total_s: float = 0.0

    @property
    def papers_per_s(self) -> float:
        """Listing rows written per second by save_listing (each upserts the paper and its FTS row)."""
        return self.listing_rows / self.listing_s if self.listing_s else 0.0


def db_size_mb(path: str | Path) -> float:
    """Size on disk of the database, its WAL and shared-memory file, in MB."""
    p = Path(path)
    return sum(f.stat().st_size for f in (p, Path(f"{p}-wal"), Path(f"{p}-shm")) if f.exists()) / 1e6


def fill_rows(db: Database, *, batch: int = 250) -> dict:
    """Vectorise the papers of a store cached before term rows existed, in the batches `paperbot run` uses."""
    t0, done, below = time.perf_counter(), 0, None
    while True:
        n, below = vectors.fill_missing(db, limit=batch, below=below)
        done += n
        if below is None:
            break
    s = time.perf_counter() - t0
    return {"papers": done, "s": round(s, 1), "papers_per_s": round(done / s) if done else 0}


def row_sizes(db: Database) -> dict:
    """Bytes per paper of the term rows (BLOBs alone, and with their tables and index, from dbstat)."""
    n, blob = db.execute("SELECT count(*), coalesce(sum(length(row)), 0) FROM paper_vectors").fetchone()
    out = {"rows": n, "blob_bytes_per_paper": round(blob / n) if n else 0}
    try:
        sizes = dict(db.execute("SELECT name, sum(pgsize) FROM dbstat WHERE name IN ('paper_vectors', "
                                "'sqlite_autoindex_paper_vectors_1', 'term_postings', 'term_df') GROUP BY name"))
    except sqlite3.OperationalError:  # SQLite built without dbstat: the BLOB sizes only
        return out
    out["table_mb"] = {k: round(v / 1e6, 1) for k, v in sizes.items()}
    out["bytes_per_paper"] = round(sum(sizes.values()) / n) if n else 0
    return out


def _calls(n_papers: int, model: str) -> list[CallRecord]:
    """The scoring calls a day of this size costs (batches of 16, ~300 tokens a paper)."""
    out = []
    for i in range(0, n_papers, 16):
        k = min(16, n_papers - i)
        out.append(CallRecord("score", model, prompt_tokens=1200 + 260 * k, completion_tokens=60 * k,
                              cost_usd=(1200 + 260 * k) * 0.25e-6 + 60 * k * 2e-6))
    return out


def ingest(db: Database, plan: YearPlan, *, team: str, key: ScoreKey, seed: int = 7) -> IngestStats:
    """Write the plan's days through save_listing, save_scores, save_digest and set_vote."""
    st = IngestStats()
    rng = random.Random(seed)
    model = key.scorer.removeprefix("llm:")
    t_start = time.perf_counter()
    for day in plan:
        job = jobs.start_job(db, "daily", team=team, period=day.day.isoformat())
        t0 = time.perf_counter()
        st.listing_rows += paper_store.save_listing(db, day.day, day.entries)
        t1 = time.perf_counter()
        st.scores += scores.save_scores(db, key, day.scores)
        t2 = time.perf_counter()
        calls = _calls(len(day.scores), model)
        scores.record_calls(db, calls, team=team, ref=day.day.isoformat())
        papers: dict[str, Paper] = {e.paper.arxiv_id: e.paper for e in day.entries}
        usage = LLMUsage(calls=len(calls), prompt_tokens=sum(c.prompt_tokens for c in calls),
                         completion_tokens=sum(c.completion_tokens for c in calls),
                         cost_usd=sum(c.cost_usd for c in calls))
        digests.save_digest(db, Digest(team=team, day=day.day, scorer=key.scorer, listed=len(day.entries),
                                       scanned=len(day.entries), usage=usage, digest_size=10,
                                       picks=tuple(Pick(papers[s.arxiv_id], s) for s in day.picks)))
        jobs.finish_job(db, job, status="ok", detail=f"{len(day.picks)} picks")
        t3 = time.perf_counter()
        for s in day.picks:
            n = rng.choices(list(_VOTERS_PER_PICK), weights=list(_VOTERS_PER_PICK.values()))[0]
            for platform, user in rng.sample(USERS, n):
                st.votes += votes.set_vote(db, team=team, arxiv_id=s.arxiv_id, platform=platform, user=user,
                                           value=1 if rng.random() < 0.85 else -1)
        t4 = time.perf_counter()
        st.listing_s += t1 - t0
        st.scores_s += t2 - t1
        st.digests_s += t3 - t2
        st.votes_s += t4 - t3
        st.days += 1
        st.picks += len(day.picks)
        if st.days % 25 == 0:
            print(f"\r  ingest: {st.days}/{len(plan.days)} days, {st.listing_rows:,} listing rows, "
                  f"{st.listing_rows / st.listing_s:,.0f} papers/s", end="", file=sys.stderr, flush=True)
    st.total_s = time.perf_counter() - t_start
    st.papers = paper_store.count_papers(db)
    print(file=sys.stderr)
    return st
