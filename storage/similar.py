"""Papers similar to a paper: FTS over its salient words first, then a TF-IDF rerank of the top ~200.

Fast on a large store because the expensive part (cosine over stemmed terms and bigrams) only ever
sees the FTS pool; the FTS query itself uses the paper's rarest informative words, whose posting
lists are short.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping

from sqlite_utils import Database

from bot.core.models import Paper
from bot.core.features import STOPWORDS, fold
from bot.core.features import paper_terms as _terms
from storage.papers import paper_from_row

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_VOCAB = "temp.paperbot_fts_vocab"
MAX_DF_SHARE = 0.1  # a word in more than 10% of papers says little and reads a long posting list


def _words(text: str) -> list[str]:
    """Words as the FTS tokenizer stores them (lower case, accents removed), minus stopwords."""
    return [w for w in _WORD.findall(fold(text)) if len(w) > 2 and not w.isdigit() and w not in STOPWORDS]


def _doc_freqs(db: Database, words: list[str]) -> tuple[dict[str, int], int]:
    """Document frequency of each word in the FTS index, and the number of papers."""
    # fts5vocab reads the index directly; a TEMP table, so the schema in migrations.py is untouched.
    db.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS {_VOCAB} USING fts5vocab(main, papers_fts, row)")
    n = db.execute("SELECT count(*) FROM papers").fetchone()[0]
    df: dict[str, int] = {}
    for w in words:
        row = db.execute(f"SELECT doc FROM {_VOCAB} WHERE term = ?", [w]).fetchone()  # noqa: S608 - constant
        if row:
            df[w] = int(row[0])
    return df, n


def salient_words(db: Database, paper: Paper, *, k: int = 12) -> list[str]:
    """The paper's most informative words (title words count three times), rarest-weighted, best first."""
    tf: Counter[str] = Counter(_words(paper.abstract))
    for w in _words(paper.title):
        tf[w] += 3
    df, n = _doc_freqs(db, list(tf))
    scored = []
    for w, c in tf.items():
        d = df.get(w, 0)
        if d < 2 or d > max(1000, MAX_DF_SHARE * n):  # only this paper, or too common to matter
            continue
        scored.append(((1 + math.log(c)) * math.log(n / d), w))
    return [w for _, w in sorted(scored, key=lambda x: (-x[0], x[1]))[:k]]


def paper_terms(paper: Paper) -> Counter[str]:
    """A paper's term counts."""
    return Counter(_terms(paper))


def _vector(counts: Mapping[str, int], idf: Mapping[str, float]) -> dict[str, float]:
    vec = {t: (1.0 + math.log(c)) * idf.get(t, 0.0) for t, c in counts.items()}
    norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
    return {t: v / norm for t, v in vec.items() if v}


def similar_papers(db: Database, paper: Paper, *, limit: int = 50, pool: int = 200) -> list[tuple[Paper, float]]:
    """Stored papers most similar to `paper` (never itself), with a 0-1 cosine similarity, best first."""
    words = salient_words(db, paper)
    if not words:
        return []
    query = " OR ".join(f'"{w}"' for w in words)
    rows = db.query(
        """SELECT p.* FROM papers_fts JOIN papers p ON p.rowid = papers_fts.rowid
           WHERE papers_fts MATCH ? AND p.arxiv_id != ? ORDER BY bm25(papers_fts, 5.0, 1.0, 1.0) LIMIT ?""",
        [query, paper.arxiv_id, pool],
    )
    candidates = [paper_from_row(r) for r in rows]
    if not candidates:
        return []
    counts = [paper_terms(p) for p in candidates]
    target = paper_terms(paper)
    df: Counter[str] = Counter(target.keys())
    for c in counts:
        df.update(c.keys())
    n = len(counts) + 1
    idf = {t: math.log((n + 1) / (d + 1)) + 1.0 for t, d in df.items()}
    tv = _vector(target, idf)
    scored = []
    for p, c in zip(candidates, counts, strict=True):
        v = _vector(c, idf)
        sim = sum(w * v.get(t, 0.0) for t, w in tv.items())
        scored.append((p, sim))
    scored.sort(key=lambda x: (-x[1], x[0].arxiv_id))
    return scored[:limit]
