"""The local ranker on real papers: seed-digest picks against a real listing day's non-picks."""

from __future__ import annotations

import random
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from bot.core.models import Criteria, Paper, Score
from bot.core.ranker import fit_ranker, local_scores, prefiltered_score, rank_papers, split_prefilter
from bot.core.selection import passes_cutoffs
from bot.core.textfeat import classifier_terms, criteria_terms, stem, tokens
from tests.core.selection_data import CRITERIA, auc, background, history, picks

DAY1, DAY2 = "2026-01-27", "2026-02-05"


def test_stemming_and_tokens_put_word_forms_together() -> None:
    assert stem("quantization") == stem("quantized") == stem("quantize") == stem("quantizing")
    assert stem("pruning") == stem("pruned") == stem("prune")
    assert stem("sparsity") == stem("sparse")
    assert stem("experts") == stem("expert") and stem("caches") == stem("cache")
    assert tokens("The Mixture-of-Experts (MoEs) of Schölkopf") == ["mixtur", "expert", "moe", "scholkopf"]


def test_criteria_terms_weight_keywords_up_and_irrelevant_lines_down() -> None:
    c = Criteria(topics="1. Architecture\n - Relevant: Transformers, routing\n - Irrelevant: Federated Learning, robotics",
                 keywords=("MoE", "low-rank"))
    terms = criteria_terms(c)
    assert terms.weights["moe"] > terms.weights["transformer"] > 0
    assert terms.weights["low rank"] > 0
    assert terms.weights["robotic"] < 0 and terms.weights["federat"] < 0
    assert {p.text for p in terms.phrases} >= {"MoE", "low-rank", "Transformers", "routing"}


def test_bm25_alone_ranks_real_picks_above_real_background() -> None:
    model = fit_ranker(CRITERIA, ())
    assert model.name == "local:bm25" and model.cutoff is None and "not enough history" in model.note
    ranked = rank_papers(model, [*background(), *picks()])
    positives = {p.arxiv_id for p in picks()}
    assert auc({r.arxiv_id: r.score for r in ranked}, positives) > 0.8
    assert all(r.arxiv_id in positives for r in ranked[:10])
    assert [r.score for r in ranked] == sorted((r.score for r in ranked), reverse=True)


def test_matches_name_the_criteria_phrases_found() -> None:
    model = fit_ranker(CRITERIA, ())
    paper = Paper("2601.00009", "Low-Rank Quantization of Mixture-of-Experts Models",
                  "We compress experts with quantization and a low-rank residual.")
    (r,) = rank_papers(model, [paper])
    assert {"Mixture of Experts", "quantization", "low-rank"} <= set(r.matches)


def test_stand_alone_scores_make_a_sensible_digest() -> None:
    model = fit_ranker(CRITERIA, ())
    day = [*background()[:30], *picks(DAY2)]
    scores = local_scores(model, rank_papers(model, day), CRITERIA)
    passing = [s for s in scores.values() if passes_cutoffs(s, CRITERIA)]
    assert len(passing) == CRITERIA.digest_size
    seed_ids = {p.arxiv_id for p in picks(DAY2)}
    assert sum(s.arxiv_id in seed_ids for s in passing) >= 9
    assert all(s.comment.startswith("Local match: ") and s.scorer == "local:bm25" for s in passing)
    assert any("MoE" in s.comment or "Mixture of Experts" in s.comment for s in passing)
    assert all(1 <= s.relevance <= 10 and 1 <= s.novelty <= 10 for s in scores.values())  # type: ignore[operator]


def test_stand_alone_scores_pass_nothing_without_any_match() -> None:
    model = fit_ranker(CRITERIA, ())
    off_topic = [Paper(f"2601.0000{i}", f"Cooking recipe {i}", "We bake bread and cakes.") for i in range(5)]
    scores = local_scores(model, rank_papers(model, off_topic), CRITERIA)
    assert not any(passes_cutoffs(s, CRITERIA) for s in scores.values())


def test_history_classifier_learns_from_past_picks_and_reports_its_cutoff() -> None:
    model = fit_ranker(CRITERIA, history(picks(DAY1), list(background()[:40])))
    assert model.name == "local:bm25+history"
    assert model.positives == 37 and model.negatives == 40
    assert model.cutoff is not None and model.cutoff_recall >= 0.98 and 0 <= model.cutoff_keep < 1  # type: ignore[operator]
    day = [*picks(DAY2), *background()[40:]]
    ranked = rank_papers(model, day)
    positives = {p.arxiv_id for p in picks(DAY2)}
    assert auc({r.arxiv_id: r.score for r in ranked}, positives) > 0.95
    keep, drop = split_prefilter(model, ranked)
    assert len(keep) + len(drop) == len(day) and drop
    assert sum(r.arxiv_id in positives for r in keep) >= 0.9 * len(positives)
    assert all(r.score >= model.cutoff for r in keep) and all(r.score < model.cutoff for r in drop)


def test_prefilter_keeps_a_minimum_and_its_scores_never_pass() -> None:
    model = fit_ranker(CRITERIA, history(picks(DAY1), list(background()[:40])))
    ranked = rank_papers(model, list(background()[40:]))
    keep, drop = split_prefilter(model, ranked, min_keep=12)
    assert len(keep) >= 12 and keep == ranked[: len(keep)]
    local = local_scores(model, ranked, CRITERIA)
    for r in drop:
        s = prefiltered_score(model, r, local[r.arxiv_id], CRITERIA)
        assert not passes_cutoffs(s, CRITERIA) and s.comment.startswith("Prefiltered locally")


def test_too_little_history_falls_back_to_bm25() -> None:
    model = fit_ranker(CRITERIA, history(picks(DAY1)[:10], list(background()[:40])))
    assert model.name == "local:bm25" and model.cutoff is None
    assert "10 past picks" in model.note


def test_votes_turn_papers_into_positives_or_negatives() -> None:
    hist = history(picks(DAY1), list(background()[:40]))
    up = background()[0].arxiv_id
    down = picks(DAY1)[0].arxiv_id
    model = fit_ranker(CRITERIA, hist, votes={up: 2, down: -1})
    assert (model.positives, model.negatives) == (37, 40)  # one moved each way
    plain = fit_ranker(CRITERIA, hist)
    assert plain.classifier is not None and model.classifier is not None
    # The upvoted paper's own words now pull it up compared with the model that never saw the vote.
    bg = [p for p in background() if p.arxiv_id == up]
    assert rank_papers(model, bg)[0].score > rank_papers(plain, bg)[0].score


def test_author_matches_and_unscored_papers_teach_nothing() -> None:
    hist = history(picks(DAY2), list(background()[:40]))  # DAY2 holds the seed digest's one author match
    hist.append((background()[41], Score(background()[41].arxiv_id, None, None, scorer="llm:gpt-5")))
    model = fit_ranker(CRITERIA, hist)
    assert (model.positives, model.negatives) == (36, 40)


def test_local_scores_from_prefiltered_history_count_as_weak_negatives() -> None:
    hist = history(picks(DAY1), [])
    hist += [(p, Score(p.arxiv_id, 3.0, 2.0, "Prefiltered locally", "local:bm25+history")) for p in background()[:40]]
    model = fit_ranker(CRITERIA, hist)
    assert model.negatives == 40 and model.classifier is not None


def _year_of_history(n: int) -> list[tuple[Paper, Score]]:
    """n synthetic past papers recombined from real sentences and titles (as bench/store.py builds them):
    real vocabulary and lengths, one in five a pick."""
    rng = random.Random(7)
    pool = [*picks(), *background()]
    sentences = [s for p in pool for s in re.split(r"(?<=\.) ", p.abstract)]
    out = []
    for i in range(n):
        a, b = rng.sample(pool, 2)
        paper = Paper(f"25{1 + i // 9000:02d}.{i % 9000:05d}", f"{a.title.split(':')[0]}: {b.title}",
                      " ".join(rng.sample(sentences, 8)))
        picked = i % 5 == 0
        out.append((paper, Score(paper.arxiv_id, 9.0 if picked else 3.0, 8.0 if picked else 3.0, "", "llm:gpt-5")))
    return out


def test_the_model_keeps_only_what_ranking_needs() -> None:
    hist = history(picks(DAY1), list(background()[:40]))
    model = fit_ranker(CRITERIA, hist)
    assert model.classifier is not None
    # BM25 needs the document frequencies of the query's terms only, not of every term of the history.
    assert model.df and set(model.df) <= set(model.query.weights)
    # Terms seen in a single past paper are no features: they generalise to nothing and cost memory.
    seen_in = Counter(t for p, _ in hist for t in set(classifier_terms(p)))
    columns = model.classifier.vocab.columns
    assert columns and all(seen_in[t] >= 2 for t in columns)
    assert any(n == 1 for n in seen_in.values())
    assert len(model.classifier.weights) == len(model.classifier.vocab.idf) == len(columns)


_MEASURE = """
import gc, resource, sys
from tests.core.selection_data import CRITERIA
from tests.core.test_ranker import _year_of_history
from bot.core.ranker import fit_ranker
hist = _year_of_history(int(sys.argv[1]))
fit_ranker(CRITERIA, hist[:100])  # imports and the stemmer's cache are not what is measured
gc.collect()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
model = fit_ranker(CRITERIA, hist)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(model.positives, (after - before) / 1024)  # ru_maxrss is in KiB on Linux
"""


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss is in KiB on Linux only")
def test_fitting_a_big_history_stays_small() -> None:
    # 3,000 papers, in a fresh process (peak RSS only grows). Kept as dicts of strings and lists of
    # tuples, fitting took ~37 KB a paper (750 MB for 20,000 papers); in compact arrays it takes ~4 KB.
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", _MEASURE, "3000"], cwd=root, capture_output=True, text=True,
                         check=True, timeout=120).stdout.split()
    positives, growth_mb = int(out[0]), float(out[1])
    assert positives == 600
    assert growth_mb < 40, f"fitting 3,000 papers raised the peak RSS by {growth_mb:.0f} MB"
