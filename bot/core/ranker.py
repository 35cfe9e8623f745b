"""The local ranker: BM25 against the criteria, blended with a classifier learned from the team's history.

Two jobs. As a PREFILTER it decides which papers are worth an LLM call: its cut-off is tuned on
held-out history for a target recall of past picks, and the cut-off and its measured recall are
reported, never applied silently. As a STAND-ALONE scorer (no LLM configured) it maps its ranking
to relevance/novelty 1-10 so roughly the top `digest_size` papers pass the default cut-offs.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from bot.core.classifier import Classifier, out_of_fold, recall_cutoff, train, vectorise
from bot.core.models import Criteria, Paper, Score
from bot.core.selection import passes_cutoffs
from bot.core.textfeat import (
    CriteriaTerms,
    PaperTokens,
    classifier_terms,
    criteria_terms,
    matched_phrases,
    paper_terms,
)

History = Sequence[tuple[Paper, Score]]
BM25_K1, BM25_B = 1.2, 0.75
BLEND_BM25 = 0.25  # weight of the z-scored BM25 next to the classifier's logit (tuned on tuning days)
LOCAL_NEGATIVE_WEIGHT = 0.5  # papers a past prefilter decided locally: weaker evidence than an LLM "no"


@dataclass(frozen=True, slots=True)
class Ranked:
    """One paper's local verdict: blended score, its parts, and the criteria phrases it matches."""

    arxiv_id: str
    score: float
    bm25: float
    logit: float | None  # classifier log-odds of "the team picks it"; None without history
    matches: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RankerModel:
    """Everything the ranker learned: criteria terms, corpus statistics, classifier, prefilter cut-off."""

    name: str  # "local:bm25" or "local:bm25+history"
    query: CriteriaTerms
    df: Mapping[str, int] = field(default_factory=dict)  # document frequencies of the query terms in history
    n_docs: int = 0
    avgdl: float = 0.0
    bm25_mean: float = 0.0
    bm25_std: float = 1.0
    classifier: Classifier | None = None
    positives: int = 0
    negatives: int = 0
    cutoff: float | None = None  # prefilter: send to the LLM only papers scoring >= cutoff
    cutoff_recall: float | None = None  # share of held-out past picks at or above the cut-off
    cutoff_keep: float | None = None  # share of held-out past non-picks at or above it (the cost)
    target_recall: float = 0.98
    note: str = ""  # why there is no cut-off, when there is none

    @property
    def has_history(self) -> bool:
        """True when the classifier is trained and blended in."""
        return self.classifier is not None


def bm25(counts: Mapping[str, int], query: Mapping[str, float], *, df: Mapping[str, int], n_docs: int,
         avgdl: float, dl: int | None = None) -> float:
    """Okapi BM25 of one document's term counts (or just its query terms', with its length `dl`)."""
    if dl is None:
        dl = sum(counts.values())
    norm = BM25_K1 * (1 - BM25_B + BM25_B * dl / (avgdl or 1.0))
    total = 0.0
    for term, wq in query.items():
        tf = counts.get(term)
        if tf:
            n = df.get(term, 0)
            idf = math.log(1.0 + (n_docs - n + 0.5) / (n + 0.5))
            total += wq * idf * tf * (BM25_K1 + 1) / (tf + norm)
    return total


def _labels(history: History, criteria: Criteria, votes: Mapping[str, int]) -> list[tuple[Paper, int, float]]:
    """(paper, label, weight): picks and upvoted papers are positives; the rest of what was scored, negatives."""
    out: dict[str, tuple[Paper, int, float]] = {}
    for paper, score in history:
        v = votes.get(paper.arxiv_id, 0)
        if v > 0:
            out[paper.arxiv_id] = (paper, 1, 1.0)
        elif v < 0:
            out[paper.arxiv_id] = (paper, 0, 1.0)
        elif score.author_match or not score.scored:
            continue  # an author match says nothing about topics; unscored says nothing at all
        elif passes_cutoffs(score, criteria):
            out[paper.arxiv_id] = (paper, 1, 1.0)
        else:
            weight = LOCAL_NEGATIVE_WEIGHT if score.scorer.startswith("local") else 1.0
            out[paper.arxiv_id] = (paper, 0, weight)
    # arXiv ids grow with time: sorting by id makes the folds below time-ordered.
    return sorted(out.values(), key=lambda r: r[0].arxiv_id)


def _features(papers: Iterable[Paper], query: Mapping[str, float], *, lengths: list[int],
              hits: list[dict[str, int]]) -> Iterator[Counter[str]]:
    """Each paper's classifier features; on the way, appends its BM25 length and query-term counts."""
    for paper in papers:
        toks = PaperTokens.of(paper)
        counts = paper_terms(toks)
        lengths.append(sum(counts.values()))
        hits.append({t: counts[t] for t in counts.keys() & query.keys()})
        yield classifier_terms(toks)


def fit_ranker(
    criteria: Criteria,
    history: History = (),
    *,
    votes: Mapping[str, int] | None = None,
    min_positives: int = 30,
    target_recall: float = 0.98,
    folds: int = 3,
    max_history: int = 20000,
) -> RankerModel:
    """Learn the ranker from criteria and the team's past scores (and votes).

    With fewer than `min_positives` past picks (or non-picks) the ranker is BM25 alone and has no
    prefilter cut-off: its recall could not be measured. Otherwise a classifier is trained and the
    cut-off is set on out-of-fold scores (time-ordered folds) to keep `target_recall` of past picks.
    Three folds cost 12 passes over the history where four cost 16 (training is most of the time);
    on the tuning windows they set the same cut-offs within ~1 % of the papers sent (bench/README.md).
    """
    query = criteria_terms(criteria)
    rows = _labels(history, criteria, votes or {})[-max_history:]
    labels = [y for _, y, _ in rows]
    n_pos = sum(labels)
    n_neg = len(rows) - n_pos
    if n_pos < min_positives or n_neg < min_positives:
        note = f"not enough history ({n_pos} past picks, {n_neg} non-picks; need {min_positives} of each)"
        return RankerModel("local:bm25", query, positives=n_pos, negatives=n_neg, target_recall=target_recall,
                           note=note)
    # One pass over the papers, keeping only what the model needs: each paper's length and query-term
    # counts for BM25, and a compact TF-IDF row (see classifier.py: a year of history is ~1M terms).
    lengths: list[int] = []
    hits: list[dict[str, int]] = []
    vocab, xs = vectorise(_features((p for p, _, _ in rows), query.weights, lengths=lengths, hits=hits))
    df: Counter[str] = Counter()
    for h in hits:
        df.update(h.keys())
    n_docs = len(rows)
    avgdl = sum(lengths) / n_docs
    raw = [bm25(h, query.weights, df=df, n_docs=n_docs, avgdl=avgdl, dl=n) for h, n in zip(hits, lengths, strict=True)]
    mean = sum(raw) / n_docs
    std = math.sqrt(sum((x - mean) ** 2 for x in raw) / n_docs) or 1.0
    z = [(x - mean) / std for x in raw]

    weights = [w for _, _, w in rows]
    dim = len(vocab.idf)
    oof = out_of_fold(xs, labels, weights, [BLEND_BM25 * x for x in z], dim=dim, folds=folds)
    cut, recall, keep = recall_cutoff([s for s, y in zip(oof, labels, strict=True) if y],
                                [s for s, y in zip(oof, labels, strict=True) if not y], target_recall)
    w, bias = train(xs, labels, weights, dim)
    classifier = Classifier(vocab, w, bias)
    return RankerModel("local:bm25+history", query, df=dict(df), n_docs=n_docs, avgdl=avgdl, bm25_mean=mean,
                       bm25_std=std, classifier=classifier, positives=n_pos, negatives=n_neg, cutoff=cut,
                       cutoff_recall=recall, cutoff_keep=keep, target_recall=target_recall)


def rank_papers(model: RankerModel, papers: Sequence[Paper]) -> list[Ranked]:
    """Score papers and return them best first (ties by arXiv id)."""
    toks = [PaperTokens.of(p) for p in papers]
    counts = [paper_terms(t) for t in toks]
    if model.n_docs:
        df, n_docs, avgdl = model.df, model.n_docs, model.avgdl
    else:  # no history: the day's own papers are the reference corpus
        cnt: Counter[str] = Counter()
        for c in counts:
            cnt.update(c.keys())
        df, n_docs = cnt, len(counts)
        avgdl = sum(sum(c.values()) for c in counts) / max(n_docs, 1)
    out: list[Ranked] = []
    for paper, t, c in zip(papers, toks, counts, strict=True):
        raw = bm25(c, model.query.weights, df=df, n_docs=n_docs, avgdl=avgdl)
        z = (raw - model.bm25_mean) / model.bm25_std
        logit = model.classifier.logit(classifier_terms(t)) if model.classifier else None
        score = z if logit is None else logit + BLEND_BM25 * z
        hits = matched_phrases(model.query.phrases, t.title + ["\x00"] + t.abstract)
        out.append(Ranked(paper.arxiv_id, score, raw, logit, tuple(dict.fromkeys(p.text for p in hits))))
    return sorted(out, key=lambda r: (-r.score, r.arxiv_id))


def split_prefilter(model: RankerModel, ranked: Sequence[Ranked], *, min_keep: int = 0) -> tuple[list[Ranked], list[Ranked]]:
    """(send to the LLM, decide locally): everything at or above the cut-off, and at least `min_keep` best."""
    if model.cutoff is None:
        return list(ranked), []
    keep = [r for i, r in enumerate(ranked) if r.score >= model.cutoff or i < min_keep]
    drop = [r for i, r in enumerate(ranked) if not (r.score >= model.cutoff or i < min_keep)]
    return keep, drop


def _comment(r: Ranked, *, history: bool) -> str:
    if r.matches:
        return "Local match: " + ", ".join(r.matches[:4])
    return "Local match: no criteria keyword" + ("; ranked by similarity to past picks" if history else "")


def local_scores(model: RankerModel, ranked: Sequence[Ranked], criteria: Criteria) -> dict[str, Score]:
    """Stand-alone scores: the best `digest_size` plausible papers get 8-10, everyone else 1-7.

    Plausible means it matches a criteria phrase (BM25 alone) or the classifier thinks the team
    would more likely pick it than not (with history). Novelty is relevance - 1: the ranker cannot
    judge novelty, so it never lifts a paper the relevance ranking did not.
    """
    ordered = sorted(ranked, key=lambda r: (-r.score, r.arxiv_id))
    n = len(ordered)
    k = criteria.digest_size
    top: list[Ranked] = []
    for r in ordered:
        plausible = (r.logit is not None and r.logit >= 0) or (r.logit is None and bool(r.matches) and r.bm25 > 0)
        if plausible and len(top) < k:
            top.append(r)
    top_ids = {r.arxiv_id: i for i, r in enumerate(top)}
    out: dict[str, Score] = {}
    for pos, r in enumerate(ordered):
        if r.arxiv_id in top_ids:
            i = top_ids[r.arxiv_id]
            rel = 10 if i < max(1, k // 3) else 9 if i < max(2, 2 * k // 3) else 8
        else:
            rel = 1 + int(6 * (1 - pos / max(n, 1)))  # 1..7 by position in the day
            rel = min(rel, 7)
        out[r.arxiv_id] = Score(r.arxiv_id, float(rel), float(max(1, rel - 1)),
                                comment=_comment(r, history=model.has_history), scorer=model.name)
    return out


def prefiltered_score(model: RankerModel, r: Ranked, local: Score, criteria: Criteria) -> Score:
    """The score of a paper the prefilter kept from the LLM: below the cut-offs, saying why."""
    rel = min(local.relevance or 1.0, float(criteria.relevance_cutoff - 1), 4.0)
    nov = min(local.novelty or 1.0, float(criteria.novelty_cutoff - 1), 4.0)
    why = f"Prefiltered locally: ranker score {r.score:.2f} < cut-off {model.cutoff:.2f}"
    if r.matches:
        why += " (matches " + ", ".join(r.matches[:3]) + ")"
    return Score(r.arxiv_id, max(rel, 1.0), max(nov, 1.0), comment=why, scorer=model.name)
