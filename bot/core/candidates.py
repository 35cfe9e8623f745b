"""Why each candidate was (not) picked: one decision per paper, for `--format json` and `/papers why`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.core.models import Criteria, Score
from bot.core.selection import passes_cutoffs

PICKED = "picked"
BELOW = "below cut-offs"
PREFILTERED = "prefiltered"
EXCLUDED = "excluded"
AUTHOR = "author match"
UNSCORED = "unscored"
DECISIONS = (PICKED, BELOW, PREFILTERED, EXCLUDED, AUTHOR, UNSCORED)


@dataclass(frozen=True, slots=True)
class Candidate:
    """One candidate's outcome: the decision, the LLM's scores if it read it, and the local score."""

    arxiv_id: str
    decision: str  # one of DECISIONS
    local_score: float | None  # higher = more relevant (standard deviations over the day); always set by select
    relevance: float | None = None
    novelty: float | None = None
    comment: str = ""
    scorer: str = ""

    def as_json(self) -> dict[str, Any]:
        """The documented JSON shape of one candidate."""
        return {"arxiv_id": self.arxiv_id, "decision": self.decision,
                "local_score": None if self.local_score is None else round(self.local_score, 4),
                "relevance": self.relevance, "novelty": self.novelty, "comment": self.comment, "scorer": self.scorer}


def decision_of(status: str, score_passes: bool) -> str:
    """A selection status (and whether the score passes the cut-offs) as a decision."""
    if status == "author":
        return AUTHOR
    if status == "excluded":
        return EXCLUDED
    if status == "filtered":
        return PREFILTERED
    if status == "unscored":
        return UNSCORED
    return PICKED if score_passes else BELOW


def candidates_of(status_of: Mapping[str, str], scores: Mapping[str, Score], local: Mapping[str, float],
                  criteria: Criteria) -> list[Candidate]:
    """Every paper of a selection as a Candidate, best local score first (papers without one last)."""
    out = []
    for pid, status in status_of.items():
        score = scores.get(pid)
        passes = score is not None and passes_cutoffs(score, criteria)
        llm = score is not None and score.scorer.startswith("llm:")
        out.append(Candidate(pid, decision_of(status, passes), local.get(pid),
                             score.relevance if score and (llm or status == "local") else None,
                             score.novelty if score and (llm or status == "local") else None,
                             score.comment if score else "", score.scorer if score else ""))
    return sorted(out, key=lambda c: (c.local_score is None, -(c.local_score or 0.0), c.arxiv_id))
