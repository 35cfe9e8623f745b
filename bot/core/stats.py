"""/papers stats: what the bot did for a team in a period, as numbers and as one neutral message."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.message import Block, Bullets, Context, Fields, Header, Message, Paragraph, Span

MIN_AUTHOR_PICKS = 2  # an author with one pick is not a "top" author, just an author


@dataclass(frozen=True, slots=True)
class TeamStats:
    """A team's activity in a period (storage.stats.team_stats reads it)."""

    digests: int  # digest days
    listed: int  # papers in those days' arXiv listings
    scored: int  # of them, scored for the team (the rest were filtered out or are waiting for a retry)
    picked: int  # distinct papers picked
    posted: int  # distinct picked papers posted to a chat
    votes_up: int
    votes_down: int
    voters: int  # distinct members (per platform) who voted
    voted_papers: int
    llm_calls: int
    llm_cost_usd: float
    top_categories: tuple[tuple[str, int], ...] = ()  # primary arXiv category of the picks, most first
    top_authors: tuple[tuple[str, int], ...] = ()  # authors of at least MIN_AUTHOR_PICKS picks, most first

    @property
    def votes(self) -> int:
        """Every vote given in the period, up or down."""
        return self.votes_up + self.votes_down


def _n(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def _counts(s: TeamStats) -> Fields:
    return Fields((
        ("Digests", _n(s.digests, "day")),
        ("Listed", _n(s.listed, "paper")),
        ("Scored", f"{s.scored:,}"),
        ("Picked", f"{s.picked:,}"),
        ("Posted", f"{s.posted:,}"),
        ("Votes", f"{s.votes:,} (👍 {s.votes_up:,} · 👎 {s.votes_down:,}) on {_n(s.voted_papers, 'paper')}"),
        ("Voters", f"{s.voters:,}"),
        ("LLM cost", f"${s.llm_cost_usd:.4f} in {_n(s.llm_calls, 'call')}"),
    ))


def _ranked(title: str, rows: tuple[tuple[str, int], ...], empty: str) -> list[Block]:
    head = Paragraph((Span(title, bold=True),))
    if not rows:
        return [head, Paragraph((empty,))]
    return [head, Bullets(tuple((Span(name, bold=True), f" — {_n(n, 'pick')}") for name, n in rows))]


def stats_message(s: TeamStats, *, team: str, label: str, span: str) -> Message:
    """The team's numbers for the period, top categories and authors of its picks, and where to dig further."""
    title = f"{team} · stats, {label}"
    blocks: list[Block] = [Header(title), _counts(s)]
    if not s.digests:
        blocks.append(Paragraph(("No digest in this period yet: the daily run makes one each weekday "
                                 "(or run `paperbot daily`).",)))
    blocks += _ranked("Top categories of the picks", s.top_categories, "No categories recorded for the picks.")
    blocks += _ranked("Top authors of the picks", s.top_authors,
                      f"No author has {MIN_AUTHOR_PICKS} or more picks in this period.")
    blocks.append(Context((f"LLM cost per purpose: /papers cost {span} · most upvoted: /papers top {span}",)))
    fallback = (f"{title}: {s.picked:,} picked of {s.listed:,} listed, {_n(s.votes, 'vote')} from "
                f"{_n(s.voters, 'voter')}, ${s.llm_cost_usd:.2f} of LLM calls")
    return Message(blocks=tuple(blocks), fallback=fallback)
