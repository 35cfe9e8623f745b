"""How close `/papers like` comes to the exact answer: its top 10 against exact TF-IDF cosine over every row.

    python bench/like_quality.py --db data/bench/store-250k.db [--papers 100] [--seed 1] [--json]

`/papers like` looks only at the papers that share the query's best columns in the inverted index
(storage.term_index); the exact answer ranks every stored row by the same cosine. Prints recall@10
(how many of the exact top 10 it finds, over 10) per sampled paper on average and at worst, and its
latency as a storage call. Reads all rows into memory (~500 MB for 250,000 papers). See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time

import numpy as np

from bot.core.similarity import tfidf
from storage import papers as paper_store
from storage import similar, term_index, vectors
from storage.db import open_db


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db", required=True, help="a store with term rows (e.g. the one bench/store.py built)")
    p.add_argument("--papers", type=int, default=100, help="papers sampled as queries (default 100)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", action="store_true", help="also print a JSON summary")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Sample papers, compare, print."""
    args = parse_args(argv)
    db = open_db(args.db)
    if vectors.missing_count(db):
        sys.exit(f"{args.db}: {vectors.missing_count(db):,} papers have no term row yet (run bench/store.py on it)")
    t0 = time.perf_counter()
    stored = db.execute("SELECT arxiv_id, row FROM paper_vectors ORDER BY id").fetchall()
    ids = [a for a, _ in stored]
    exact = tfidf(vectors.decode([b for _, b in stored]), term_index.doc_freqs(db)).tocsr()
    del stored
    load_s = time.perf_counter() - t0
    at = {a: i for i, a in enumerate(ids)}
    recalls, ms = [], []
    for pid in random.Random(args.seed).sample(ids, min(args.papers, len(ids))):
        sims = exact @ exact[at[pid]].toarray().ravel()
        sims[at[pid]] = -1.0
        want = {ids[i] for i in np.argpartition(-sims, 10)[:10]}
        paper = paper_store.get_paper(db, pid)
        t = time.perf_counter()
        got = similar.similar_papers(db, paper, limit=10)
        ms.append((time.perf_counter() - t) * 1000)
        recalls.append(len(want & {p.arxiv_id for p, _ in got}) / 10)
    ms.sort()
    summary = {"db": args.db, "stored": len(ids), "queries": len(recalls), "recall_at_10": round(float(np.mean(recalls)), 3),
               "worst_recall_at_10": min(recalls), "p50_ms": round(ms[len(ms) // 2], 1),
               "p95_ms": round(ms[min(len(ms) - 1, int(0.95 * len(ms)))], 1), "rows_load_s": round(load_s, 1)}
    print(f"/papers like on {summary['stored']:,} stored papers, {summary['queries']} sampled: recall@10 against "
          f"exact TF-IDF cosine over every row {summary['recall_at_10']:.3f} (worst {summary['worst_recall_at_10']:.1f}); "
          f"storage call p50 {summary['p50_ms']} ms, p95 {summary['p95_ms']} ms")
    if args.json:
        print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
