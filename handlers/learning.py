"""The team model's life: loaded (or learned once from the stored history), taught votes and imports, saved.

The daily path never retrains from scratch: the persisted model (storage/team_models.py) learns each
day's LLM verdicts in `select`, and here the votes and imported reading lists that arrived since
its last update. Only a team without a stored model (a store from before this version, or a model
format change) learns its stored history once, in chronological order, in one pass.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import date

import numpy as np
from scipy import sparse

from bot.core.features import paper_rows
from bot.core.models import Criteria, Paper
from bot.core.selection import passes_cutoffs
from bot.core.team_model import TeamModel
from handlers.deps import Deps
from storage import feedback
from storage import team_models as model_store

log = logging.getLogger("paperbot.learning")
POOL_DAYS = 5  # earlier listing days whose papers give the criteria score its context (tuned: 5-10 alike)
VOTE_WEIGHT = 2.0  # a member's vote says more than one LLM verdict
UNLABELLED_PER_ITEM = 4  # recent papers sampled as weak negatives per vote or imported paper
BOOTSTRAP_LIMIT = 20000  # newest past verdicts a new model learns from
BOOTSTRAP_CHUNK = 1000  # learned in chronological chunks, as the days came


@dataclass
class TeamState:
    """A team's model and how far it has learned."""

    model: TeamModel
    last_day: str  # the last digest day learned ('' never)
    learned_until: str  # votes and imports up to this time are learned
    bootstrapped: int = 0  # past verdicts learned when the model was created in this run
    feedback: int = 0  # votes and imported papers learned in this run


async def load_team_state(deps: Deps, team: str, criteria: Criteria,
                          unlabelled: sparse.csr_matrix | None = None) -> TeamState:
    """The team's model, created from its stored history if there is none, with new votes and imports learned.

    `unlabelled` rows (recent papers) are the background votes are learned against: members vote on
    the few papers they were shown, so without it a model learns what separates the top of yesterday's
    ranking, not what the team wants out of a whole day.
    """
    stored = await deps.store.call(model_store.load_model, team)
    if stored is not None:
        state = TeamState(stored.model, stored.last_day, stored.learned_until)
    else:
        history = await deps.store.call(feedback.scored_history, team, limit=BOOTSTRAP_LIMIT)
        model = TeamModel()
        n = await asyncio.to_thread(_learn_history, model, history, criteria)
        last = max((t for _, _, t in history), default="")
        state = TeamState(model, last[:10], "", bootstrapped=n)
        if n:
            log.info("team %s: a new ranker model learned %d past verdicts", team, n)
    news = await deps.store.call(feedback.feedback_since, team, state.learned_until)
    if news:
        state.feedback = await asyncio.to_thread(_learn_feedback, state.model, news, unlabelled)
    state.learned_until = max(state.learned_until, await deps.store.call(feedback.latest_feedback, team))
    return state


async def current_model(deps: Deps, team: str) -> TeamModel | None:
    """The team's stored model as it is (for chat commands: nothing is learned or created here)."""
    stored = await deps.store.call(model_store.load_model, team)
    return stored.model if stored is not None else None


def _learn_history(model: TeamModel, history: list, criteria: Criteria) -> int:
    """Learn past (paper, score, time) verdicts oldest first, a chunk at a time."""
    for k in range(0, len(history), BOOTSTRAP_CHUNK):
        chunk = history[k : k + BOOTSTRAP_CHUNK]
        rows = paper_rows(p for p, _, _ in chunk)
        model.observe(rows)
        model.learn(rows, np.array([1 if passes_cutoffs(s, criteria) else 0 for _, s, _ in chunk]))
    return len(history)


def _learn_feedback(model: TeamModel, news: list[tuple[Paper, int, str]],
                    unlabelled: sparse.csr_matrix | None) -> int:
    """Learn votes (weighted up) and imported examples, against a sample of unlabelled recent papers."""
    rows = paper_rows(p for p, _, _ in news)
    labels = np.array([1 if v > 0 else 0 for _, v, _ in news])
    weights = np.array([VOTE_WEIGHT if kind == "vote" else 1.0 for _, _, kind in news])
    if unlabelled is not None and unlabelled.shape[0]:
        # Positive-unlabelled learning: most recent papers are not what the team wants, so a sample of
        # them counts as weak negatives (all together they weigh as much as the feedback).
        rng = np.random.default_rng(model.days)
        take = rng.choice(unlabelled.shape[0], size=min(unlabelled.shape[0], UNLABELLED_PER_ITEM * len(news)),
                          replace=False)
        rows = sparse.vstack([rows, unlabelled[np.sort(take)]]).tocsr()
        labels = np.concatenate([labels, np.zeros(take.size, dtype=labels.dtype)])
        weights = np.concatenate([weights, np.full(take.size, weights.sum() / take.size)])
    model.learn(rows, labels, weights)
    return len(news)


async def context_rows(deps: Deps, day: date, criteria: Criteria) -> sparse.csr_matrix:
    """Hashed rows of the papers listed on the POOL_DAYS listing days before `day` (the team's categories)."""
    papers = await deps.store.call(feedback.recent_papers, day, days=POOL_DAYS)
    entries = [p for p in papers if not criteria.categories or not p.categories
               or any(c in criteria.categories for c in p.categories)]
    return await asyncio.to_thread(paper_rows, entries)


def gap_days(state: TeamState, day: date) -> int | None:
    """Days since the model last learned a digest day (None for a model that never did)."""
    if not state.last_day:
        return None
    return (day - date.fromisoformat(state.last_day)).days


async def save_team_state(deps: Deps, team: str, state: TeamState, *, day: date | None) -> None:
    """Persist the model (after a run that learned `day`, when given)."""
    if day is not None:
        state.last_day = max(state.last_day, day.isoformat())
    await deps.store.call(model_store.save_model, team, state.model, last_day=state.last_day,
                          learned_until=state.learned_until)
