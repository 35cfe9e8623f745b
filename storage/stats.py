"""A team's numbers for a period (/papers stats): a handful of indexed aggregate queries."""

from __future__ import annotations

from sqlite_utils import Database

from bot.core.stats import MIN_AUTHOR_PICKS, TeamStats


def team_stats(db: Database, team: str, *, since_day: str = "", since_at: str = "", top: int = 5) -> TeamStats:
    """Digests, picks and posts from `since_day` (YYYY-MM-DD), votes and LLM calls from `since_at` (ISO)."""
    days = [team, since_day]
    digests, listed, scored = db.execute(
        """SELECT count(*), coalesce(sum(listed), 0), coalesce(sum(scanned - unscored), 0)
           FROM digests WHERE team = ? AND day >= ?""", days).fetchone()
    # Picks are counted per paper (a paper picked on two days is one pick), through the picks(team, day) index.
    picked = db.execute("SELECT count(DISTINCT arxiv_id) FROM picks WHERE team = ? AND day >= ?", days).fetchone()[0]
    # Each pick is one reply in its day's thread, keyed by its id; "parent" is the channel post itself.
    posted = db.execute(
        """SELECT count(DISTINCT key) FROM posts
           WHERE team = ? AND kind = 'daily' AND period >= ? AND key != 'parent'""", days).fetchone()[0]
    up, down, voters, voted = db.execute(
        """SELECT coalesce(sum(value > 0), 0), coalesce(sum(value < 0), 0),
                  count(DISTINCT platform || ':' || user), count(DISTINCT arxiv_id)
           FROM votes WHERE team = ? AND at >= ?""", [team, since_at]).fetchone()
    calls, cost = db.execute(
        "SELECT count(*), coalesce(sum(cost_usd), 0) FROM llm_calls WHERE team = ? AND at >= ?",
        [team, since_at]).fetchone()
    categories = db.execute(
        """SELECT json_extract(p.categories, '$[0]') AS category, count(*) AS n
           FROM (SELECT DISTINCT arxiv_id FROM picks WHERE team = ? AND day >= ?) k
           JOIN papers p ON p.arxiv_id = k.arxiv_id
           WHERE category IS NOT NULL GROUP BY category ORDER BY n DESC, category LIMIT ?""",
        [*days, top]).fetchall()
    authors = db.execute(
        # Papers per name, not names per paper: a paper may list two people of the same name.
        """SELECT a.value AS author, count(DISTINCT p.arxiv_id) AS n
           FROM (SELECT DISTINCT arxiv_id FROM picks WHERE team = ? AND day >= ?) k
           JOIN papers p ON p.arxiv_id = k.arxiv_id, json_each(p.authors) a
           GROUP BY author HAVING n >= ? ORDER BY n DESC, author LIMIT ?""",
        [*days, MIN_AUTHOR_PICKS, top]).fetchall()
    return TeamStats(
        digests=digests, listed=listed, scored=scored, picked=picked, posted=posted, votes_up=up, votes_down=down,
        voters=voters, voted_papers=voted, llm_calls=calls, llm_cost_usd=float(cost),
        top_categories=tuple((str(c), int(n)) for c, n in categories),
        top_authors=tuple((str(a), int(n)) for a, n in authors),
    )
