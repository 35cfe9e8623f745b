"""`/papers why <id>`: why the team's digest did (not) pick a paper, day by day, in words."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.core.candidates import AUTHOR, BELOW, EXCLUDED, PICKED, PREFILTERED, UNSCORED
from bot.core.message import Bullets, Context, Header, Message, Paragraph, Span
from bot.core.models import Criteria, Paper

MAX_DAYS = 5


def _scores(row: Mapping) -> str:
    return f"relevance {row['relevance']:g} · novelty {row['novelty']:g}"


def _why(row: Mapping, criteria: Criteria) -> str:
    """One decision row (storage.team_models.decisions) as a sentence."""
    rank = f"ranked {row['local_rank']} of {row['day_candidates']} by the local ranker"
    if row["local_score"] is not None:
        rank += f" (local score {row['local_score']:.2f})"
    decision = row["decision"]
    if decision == PICKED:
        local = " (local ranker: no LLM configured)" if str(row["scorer"]).startswith("local") else ""
        return f"picked{local} — {_scores(row)}: {row['comment']} · {rank}"
    if decision == BELOW:
        cut = f"cut-offs {criteria.relevance_cutoff}/{criteria.novelty_cutoff}"
        local = " the local ranker gave" if str(row["scorer"]).startswith("local") else " the LLM scored it"
        return f"not picked —{local} {_scores(row)} ({cut}): {row['comment']} · {rank}"
    if decision == PREFILTERED:
        return (f"not picked — never sent to the LLM: {rank}, below where the LLM stopped reading because the "
                f"picks had thinned out")
    if decision == EXCLUDED:
        return f"not picked — {row['comment'] or 'an exclude keyword of the criteria'} · {rank}"
    if decision == AUTHOR:
        return f"picked — a watched author wrote it (author match) · {rank}"
    if decision == UNSCORED:
        return f"not scored — the LLM gave no valid score that day; it is retried on the next run · {rank}"
    return f"{decision} · {rank}"


def why_message(paper: Paper, rows: Sequence[Mapping], *, team: str, criteria: Criteria, votes: int,
                picked_on: Sequence[str]) -> Message:
    """The paper's decisions for the team (newest day first), or why there are none."""
    title = Header(f"Why {paper.arxiv_id}: {paper.title}"[:150])
    blocks: list = [title]
    if not rows and picked_on:  # digests made before decisions were recorded (or imported ones)
        blocks.append(Paragraph.of(
            f"{paper.arxiv_id} was picked for {team} on {', '.join(picked_on[:3])}, in a run that recorded no "
            "decision per candidate (before paperbot kept them): its score and comment are in ",
            Span(f"/papers show {paper.arxiv_id}", code=True), "."))
    elif not rows:
        blocks.append(Paragraph.of(
            f"{paper.arxiv_id} was never a candidate of a daily run for {team}: it was not in an arXiv listing "
            "the team's run read (other categories or announce types, or a day before paperbot recorded "
            "decisions). ", Span(f"/papers show {paper.arxiv_id}", code=True), " scores it now."))
    else:
        items = tuple((Span(r["day"], bold=True), " ", _why(r, criteria)) for r in rows[:MAX_DAYS])
        blocks.append(Bullets(items))
        if len(rows) > MAX_DAYS:
            blocks.append(Context((f"…and {len(rows) - MAX_DAYS} earlier day(s).",)))
    notes = [f"Team votes: {votes:+d}." if votes else "No team votes."]
    if picked_on:
        notes.append(f"In the digest of {', '.join(picked_on[:3])}.")
    notes.append("The local score is in standard deviations over the day's candidates: higher = more relevant.")
    blocks.append(Context((" ".join(notes),)))
    return Message(blocks=tuple(blocks), fallback=f"Why {paper.arxiv_id}", papers=(paper.arxiv_id,))
