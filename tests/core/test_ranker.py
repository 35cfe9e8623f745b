"""The local ranker on real papers: seed-digest picks against a real listing day's non-picks."""

from __future__ import annotations

import numpy as np

from bot.core import prefilter
from bot.core.features import paper_rows, stem, tokens
from bot.core.models import Criteria, Paper
from bot.core.ranker import criteria_weight, local_scores, prefiltered_score, rank, ranker_name
from bot.core.selection import passes_cutoffs
from bot.core.team_model import TeamModel
from bot.core.textfeat import criteria_terms
from bot.core.zeroshot import criteria_scores
from tests.core.selection_data import CRITERIA, auc, background, history, learned, picks

DAY1, DAY2 = "2026-01-27", "2026-02-05"


def ranking(papers: list[Paper], model: TeamModel | None = None) -> dict[str, float]:
    """Local scores by id."""
    return {r.arxiv_id: r.score for r in rank(CRITERIA, papers, paper_rows(papers), model=model)}


def test_stemming_and_tokens_put_word_forms_together() -> None:
    assert stem("quantization") == stem("quantized") == stem("quantize") == stem("quantizing")
    assert stem("pruning") == stem("pruned") == stem("prune")
    assert stem("experts") == stem("expert") and stem("caches") == stem("cache")
    assert tokens("The Mixture-of-Experts (MoEs) of Schölkopf") == ["mixtur", "expert", "moe", "scholkopf"]


def test_criteria_terms_weight_keywords_up_and_irrelevant_lines_down() -> None:
    c = Criteria(topics="1. Architecture\n - Relevant: Transformers, routing\n - Irrelevant: Federated Learning, robotics",
                 keywords=("MoE", "low-rank"))
    terms = criteria_terms(c)
    assert terms.weights["moe"] > terms.weights["transform"] > 0
    assert terms.weights["low rank"] > 0
    assert terms.weights["robot"] < 0 and terms.weights["feder"] < 0
    assert {p.text for p in terms.phrases} >= {"MoE", "low-rank", "Transformers", "routing"}


def test_the_criteria_alone_rank_real_picks_above_real_background() -> None:
    day = [*background(), *picks()]
    scores = ranking(day)
    positives = {p.arxiv_id for p in picks()}
    assert auc(scores, positives) > 0.8
    best = sorted(scores, key=lambda i: -scores[i])[:10]
    assert all(i in positives for i in best)


def test_self_training_on_a_pool_ranks_better_than_bm25_alone() -> None:
    """The criteria score learns from the pool's best matches: it must beat its own BM25 start on real papers."""
    day = [*background(), *picks(DAY2)]
    rows = paper_rows(day)
    positives = {p.arxiv_id for p in picks(DAY2)}
    pool = paper_rows([*picks(DAY1)])
    with_pool = dict(zip((p.arxiv_id for p in day), criteria_scores(CRITERIA, rows, pool), strict=True))
    from bot.core import zeroshot

    df = np.asarray((rows > 0).sum(axis=0)).ravel()
    bm25 = zeroshot.bm25(rows, zeroshot.criteria_query(CRITERIA), df=df, n_docs=rows.shape[0],
                         avgdl=float(rows.sum()) / rows.shape[0])
    alone = dict(zip((p.arxiv_id for p in day), bm25, strict=True))
    assert auc(with_pool, positives) >= auc(alone, positives) - 0.01


def test_the_team_model_learns_the_teams_taste_and_takes_over() -> None:
    model = learned(history(picks(DAY1), list(background()[:40])))
    assert model.trained and model.positives > 0 and ranker_name(model) == "local:criteria+team"
    assert criteria_weight(None) == 1.0 and 0 < criteria_weight(model) < 1.0
    day = [*picks(DAY2), *background()[40:]]
    positives = {p.arxiv_id for p in picks(DAY2)}
    assert auc(ranking(day, model), positives) >= 0.9


def test_the_team_model_survives_a_round_trip_through_bytes_and_keeps_learning() -> None:
    past = history(picks(DAY1), list(background()[:40]))
    model = learned(past)
    again = TeamModel.from_bytes(model.to_bytes())
    assert again is not None and again.positives == model.positives and again.n_docs == model.n_docs
    rows = paper_rows([*picks(DAY2), *background()[40:]])
    assert np.allclose(model.logits(rows), again.logits(rows), atol=1e-3)
    labels = np.array([1] * len(picks(DAY2)) + [0] * 20)
    model.learn(rows, labels)
    again.learn(rows, labels)
    assert np.allclose(model.logits(rows), again.logits(rows), atol=1e-3)  # the update continues the same way
    assert len(model.to_bytes()) < 2_000_000


def test_a_blob_of_another_format_is_ignored() -> None:
    blob = TeamModel().to_bytes().replace(b"meta", b"mXta")  # not a readable model any more
    try:
        assert TeamModel.from_bytes(blob) is None
    except (KeyError, ValueError):
        pass  # a damaged blob may also fail to load: the caller treats both as "no model"


def test_matches_name_the_criteria_phrases_found() -> None:
    paper = Paper("2601.00009", "Low-Rank Quantization of Mixture-of-Experts Models",
                  "We compress experts with quantization and a low-rank residual.")
    (r,) = rank(CRITERIA, [paper], paper_rows([paper]))
    assert {"Mixture of Experts", "quantization", "low-rank"} <= set(r.matches)


def test_stand_alone_scores_make_a_sensible_digest() -> None:
    day = [*background()[:30], *picks(DAY2)]
    ranked = rank(CRITERIA, day, paper_rows(day))
    scores = local_scores(ranked, CRITERIA, name="local:criteria")
    passing = [s for s in scores.values() if passes_cutoffs(s, CRITERIA)]
    assert len(passing) == CRITERIA.digest_size
    seed_ids = {p.arxiv_id for p in picks(DAY2)}
    assert sum(s.arxiv_id in seed_ids for s in passing) >= 9
    assert all(s.comment.startswith("Local match: ") and s.scorer == "local:criteria" for s in passing)
    assert all(1 <= s.relevance <= 10 and 1 <= s.novelty <= 10 for s in scores.values())  # type: ignore[operator]


def test_stand_alone_scores_pass_nothing_without_any_match() -> None:
    off_topic = [Paper(f"2601.0000{i}", f"Cooking recipe {i}", "We bake bread and cakes.") for i in range(5)]
    scores = local_scores(rank(CRITERIA, off_topic, paper_rows(off_topic)), CRITERIA, name="local:criteria")
    assert not any(passes_cutoffs(s, CRITERIA) for s in scores.values())


def test_prefiltered_scores_never_pass_and_say_why() -> None:
    day = [*background()[:5]]
    for r in rank(CRITERIA, day, paper_rows(day)):
        s = prefiltered_score(r, CRITERIA, why="ranked below where the LLM stopped", name="local:criteria")
        assert not passes_cutoffs(s, CRITERIA) and s.comment.startswith("Prefiltered locally: ranked below")


def test_the_first_round_holds_the_target_share_of_predicted_picks() -> None:
    assert prefilter.first_round(40, digest_size=10) == 40  # a small day is read whole
    cold = prefilter.first_round(700, digest_size=10)
    assert cold == 210  # no mature model: a fixed share
    chances = [0.9] * 20 + [0.5] * 20 + [0.001] * 660  # 28.7 picks predicted, 97.7 % of them in the first 40
    warm = prefilter.first_round(700, digest_size=10, chances=chances)
    assert 20 < warm < 200 and sum(chances[:warm]) >= prefilter.TARGET_RECALL * sum(chances)
    assert sum(chances[: warm - 1]) < prefilter.TARGET_RECALL * sum(chances)  # the smallest such round
    assert prefilter.first_round(700, digest_size=10, chances=chances, gap_days=60) == cold  # back from a break
    assert prefilter.first_round(700, digest_size=10, chances=[0.0] * 700) == 10


def test_the_rounds_stop_when_picks_thin_out_and_go_on_while_they_do_not() -> None:
    last = prefilter.Round(20, 1)
    # Without chances: 1 in the last 20, 300 left -> ~4.5 expected: go on; with 20 left -> 0.3: stop.
    assert prefilter.go_on(prefilter.expected_missed(found=30, last=last, remaining=300), found=30, remaining=300,
                           rounds=2)
    assert not prefilter.go_on(prefilter.expected_missed(found=30, last=last, remaining=20), found=30,
                               remaining=20, rounds=2)
    # With chances: 0.4 expected among the rest and a last batch without picks: stop ...
    quiet = prefilter.Round(20, 0)
    calm = prefilter.expected_missed(found=30, last=quiet, remaining=300, sent_chance=30.0, unsent_chance=0.4)
    assert calm == 0.4 and not prefilter.go_on(calm, found=30, remaining=300, rounds=1)
    # ... unless the day holds twice the picks predicted for what was read: then the rest is doubled too ...
    odd = prefilter.expected_missed(found=30, last=quiet, remaining=300, sent_chance=15.0, unsent_chance=0.4)
    assert odd == 0.8 and prefilter.go_on(odd, found=30, remaining=300, rounds=1)
    # ... or the last batch still held picks, whatever the model predicts.
    margin = prefilter.expected_missed(found=30, last=last, remaining=300, sent_chance=30.0, unsent_chance=0.4)
    assert margin == 1 / 20 * 300 * prefilter.TAIL_DECAY
    assert not prefilter.go_on(99.0, found=30, remaining=300, rounds=prefilter.MAX_ROUNDS)


def test_pick_chances_follow_the_teams_pick_rate() -> None:
    p = prefilter.pick_chances(np.array([0.0, 2.0, -2.0]), positives=10, negatives=90)
    assert abs(p[0] - 0.1) < 1e-9 and p[1] > p[0] > p[2]
