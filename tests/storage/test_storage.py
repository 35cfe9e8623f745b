"""Storage on a real SQLite file: migrations, FTS search with odd input, criteria history, posts, votes."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from bot.core.models import Criteria, Digest, ListingEntry, Paper, Pick, Score
from storage import criteria, digests, posts, scores, votes
from storage import papers as paper_store
from storage.db import Store, open_db

FIX = Path(__file__).resolve().parents[1] / "fixtures"


def seed_papers() -> list[Paper]:
    rows = [json.loads(line) for line in (FIX / "seed_papers.jsonl").read_text().splitlines()]
    return [Paper(r["arxiv_id"], r["title"], r["abstract"], tuple(r["authors"]), ("cs.LG",)) for r in rows]


@pytest.fixture
def db(tmp_path: Path):
    d = open_db(tmp_path / "t.db")
    paper_store.save_listing(d, date(2026, 1, 27), [ListingEntry(p, "new") for p in seed_papers()])
    yield d
    d.close()


def test_wal_busy_timeout_and_reopen_is_idempotent(tmp_path: Path) -> None:
    d = open_db(tmp_path / "x.db")
    assert d.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert d.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    d.close()
    d2 = open_db(tmp_path / "x.db")  # migrations already applied: no error, same tables
    assert "papers_fts" in d2.table_names()
    d2.close()


def test_a_store_of_the_posts_branch_upgrades_in_migration_order(tmp_path: Path) -> None:
    # wip/posts named its claim-owner migration m008_posts_claim_owner before main's m007/m008 existed: such
    # a store gets main's two tables, and m009 (the same columns, renamed) applies without an error.
    open_db(tmp_path / "b.db").close()
    with sqlite3.connect(tmp_path / "b.db") as conn:
        conn.executescript("""DROP TABLE paper_messages; DROP TABLE thread_questions; DROP TABLE team_examples;
            DELETE FROM _sqlite_migrations WHERE name IN ('m007_paper_threads', 'm008_team_examples');
            UPDATE _sqlite_migrations SET name = 'm008_posts_claim_owner' WHERE name = 'm009_posts_claim_owner';""")
    conn.close()
    d = open_db(tmp_path / "b.db")
    assert {"paper_messages", "thread_questions", "team_examples"} <= set(d.table_names())
    assert {"claimed_by", "claimed_at"} <= set(d["posts"].columns_dict)
    assert [r["name"] for r in d.query("SELECT name FROM _sqlite_migrations ORDER BY id")][-3:] == [
        "m007_paper_threads", "m008_team_examples", "m009_posts_claim_owner"]
    d.close()


def test_a_store_of_the_reliability_branch_upgrades_in_migration_order(tmp_path: Path) -> None:
    # wip/reliab named its vote migration m007_vote_reactions before main's m007/m008/m009 existed: such a
    # store gets main's tables, and m011 (the same table, renamed) neither fails nor doubles the legacy votes.
    open_db(tmp_path / "r.db").close()
    with sqlite3.connect(tmp_path / "r.db") as conn:
        conn.executescript("""DROP TABLE paper_messages; DROP TABLE thread_questions; DROP TABLE team_examples;
            DELETE FROM _sqlite_migrations WHERE name IN ('m007_paper_threads', 'm008_team_examples');
            UPDATE _sqlite_migrations SET name = 'm007_vote_reactions' WHERE name = 'm011_vote_reactions';
            INSERT INTO votes VALUES ('t', '2601.00001', 'slack', 'U1', 1, '2026-01-01');
            INSERT INTO vote_reactions VALUES ('slack', '', 'U1', 'legacy', 0, 't', '2601.00001', 1, '2026-01-01');""")
    conn.close()
    d = open_db(tmp_path / "r.db")
    assert {"paper_messages", "thread_questions", "team_examples"} <= set(d.table_names())
    assert d.execute("SELECT count(*) FROM vote_reactions").fetchone()[0] == 1
    assert [r["name"] for r in d.query("SELECT name FROM _sqlite_migrations ORDER BY id")][-3:] == [
        "m007_paper_threads", "m008_team_examples", "m011_vote_reactions"]
    d.close()


def test_search_phrases_and_authors(db) -> None:
    found = paper_store.search(db, '"mixture of experts"')
    assert found.total >= 1 and all("mixture" in (p.title + p.abstract).lower() for p in found.papers)
    by_author = paper_store.search(db, "Bengio").papers
    assert any("Yoshua Bengio" in p.authors for p in by_author) or by_author == []


def _match_ids_newest_first(db, word: str) -> list[str]:
    return [r[0] for r in db.execute("SELECT p.arxiv_id FROM papers_fts JOIN papers p ON p.rowid = papers_fts.rowid "
                                     "WHERE papers_fts MATCH ? ORDER BY p.rowid DESC", [word])]


def test_search_counts_every_match_up_to_the_cap(db) -> None:
    matches = _match_ids_newest_first(db, "model")
    assert len(matches) > 12
    full = paper_store.search(db, "model", limit=100)
    assert (full.total, full.capped) == (len(matches), False)
    assert sorted(p.arxiv_id for p in full.papers) == sorted(matches)


def test_search_of_a_common_word_ranks_only_the_newest_matches(db) -> None:
    matches = _match_ids_newest_first(db, "model")
    capped = paper_store.search(db, "model", limit=100, ranked=12)
    assert (capped.total, capped.capped) == (12, True)
    assert sorted(p.arxiv_id for p in capped.papers) == sorted(matches[:12])
    full_order = [p.arxiv_id for p in paper_store.search(db, "model", limit=100).papers]
    assert [p.arxiv_id for p in capped.papers] == [a for a in full_order if a in matches[:12]]  # bm25 order kept
    exactly = paper_store.search(db, "model", limit=100, ranked=len(matches))
    assert (exactly.total, exactly.capped) == (len(matches), False)


@pytest.mark.parametrize("text", ['"', "*", "OR", "AND NOT", "NEAR(", "ünïcödé 日本語", "x" * 2048,
                                  '"unclosed phrase', "a:b", "col:title", "-", "^", "(((", "C++ OR *"])
def test_search_never_raises_on_odd_input(db, text: str) -> None:
    found = paper_store.search(db, text)
    assert isinstance(found.papers, list) and found.total >= 0


def test_criteria_versions_keep_history(db) -> None:
    v1 = criteria.ensure_team(db, "t", Criteria(topics="MoE"))
    v2 = criteria.save_criteria(db, "t", v1.criteria.evolve(keywords=("pruning",)), author="slack:U1",
                                change="add keyword: pruning")
    assert (v1.version, v2.version) == (1, 2) and v1.hash != v2.hash
    assert criteria.ensure_team(db, "t", Criteria(topics="other")).version == 2  # config does not overwrite
    hist = criteria.history(db, "t")
    assert [h.author for h in hist] == ["config", "slack:U1"]
    assert criteria.get_version(db, "t", 1).criteria.keywords == ()


def test_cutoffs_do_not_invalidate_cached_scores() -> None:
    c = Criteria(topics="MoE")
    assert criteria.criteria_hash(c) == criteria.criteria_hash(c.evolve(relevance_cutoff=5, digest_size=3))
    assert criteria.criteria_hash(c) != criteria.criteria_hash(c.evolve(topics="GNN"))


def test_scores_cache_and_unscored_retry(db) -> None:
    key = scores.ScoreKey("t", "h", "llm:m", "p1")
    scores.save_scores(db, key, [Score("2601.16725", 9, 8, "MoE", "llm:m")])
    scores.mark_unscored(db, key, ["2601.18401"])
    cached = scores.cached_scores(db, key, ["2601.16725", "2601.18401"])
    assert list(cached) == ["2601.16725"]  # the unscored one is retried, not cached
    scores.save_scores(db, key, [Score("2601.18401", 5, 5, "", "llm:m")])
    assert set(scores.cached_scores(db, key, ["2601.18401"])) == {"2601.18401"}


def test_posts_unique_and_numbered_slots(db) -> None:
    where = dict(team="t", kind="daily", period="2026-01-27", platform="slack", channel="C1")
    posts.record_post(db, **where, key="parent", message_ids=["1.0"], papers=["a", "b", "c"])
    posts.record_post(db, **where, key="parent", message_ids=["9.9"], papers=["z"])  # ignored: unique key
    assert posts.find_post(db, **where, key="parent").message_ids == ("1.0",)
    assert posts.paper_for_message(db, platform="slack", message_id="1.0", slot=3) == ("t", "c")
    posts.record_post(db, **where, key="a", message_ids=["2.0"], papers=["a"])
    assert posts.paper_for_message(db, platform="slack", message_id="2.0", slot=0) == ("t", "a")


def test_votes_one_per_user_and_platforms_add_up(db) -> None:
    pid = "2601.16725"
    assert votes.set_vote(db, team="t", arxiv_id=pid, platform="slack", user="U1", value=1)
    assert not votes.set_vote(db, team="t", arxiv_id=pid, platform="slack", user="U1", value=1)
    assert votes.set_vote(db, team="t", arxiv_id=pid, platform="discord", user="42", value=1)
    assert votes.net_votes(db, "t", [pid]) == {pid: 2}
    assert votes.remove_vote(db, team="t", arxiv_id=pid, platform="slack", user="U1", value=1)
    assert not votes.remove_vote(db, team="t", arxiv_id=pid, platform="slack", user="U1", value=1)
    assert votes.net_votes(db, "t", [pid]) == {pid: 1}


def test_picks_ranked_by_votes_then_score(db) -> None:
    ps = seed_papers()[:3]
    d = Digest("t", date(2026, 1, 27), "llm:m", 3, 3,
               tuple(Pick(p, Score(p.arxiv_id, 8 + i % 2, 7, "c", "llm:m")) for i, p in enumerate(ps)), 10)
    digests.save_digest(db, d)
    votes.set_vote(db, team="t", arxiv_id=ps[2].arxiv_id, platform="slack", user="U", value=1)
    rows = digests.picks_between(db, "t", date(2026, 1, 26), date(2026, 1, 28))
    assert rows[0]["arxiv_id"] == ps[2].arxiv_id and rows[0]["votes"] == 1
    assert digests.digest_meta(db, "t", date(2026, 1, 27))["picked"] == 3


async def test_store_runs_calls_on_one_thread(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "s.db")
    import threading

    names = {await store.call(lambda db: threading.current_thread().name) for _ in range(5)}
    assert len(names) == 1 and names != {threading.current_thread().name}
    store.close()


def test_sql_is_parameterised_against_injection(db) -> None:
    evil = "x'); DROP TABLE papers; --"
    assert paper_store.get_paper(db, evil) is None
    paper_store.search(db, evil)
    assert "papers" in db.table_names()
    with pytest.raises(sqlite3.ProgrammingError):
        db.execute("SELECT ?", [])  # sanity: the driver enforces parameter counts


def test_id_prefix_autocomplete_uses_the_primary_key(db) -> None:
    ids = sorted((p.arxiv_id for p in seed_papers() if p.arxiv_id.startswith("2601.1")), reverse=True)
    found = paper_store.titles_by_id_prefix(db, "2601.1", limit=100)
    assert [i for i, _ in found] == ids and all(title for _, title in found)
    assert paper_store.titles_by_id_prefix(db, "2601.1", limit=2) == found[:2]
    assert paper_store.titles_by_id_prefix(db, "2601_", limit=5) == []  # no LIKE wildcards
    sent: list[str] = []
    db.conn.set_trace_callback(sent.append)  # the statement as SQLite ran it, values filled in
    paper_store.titles_by_id_prefix(db, "2601", limit=5)
    db.conn.set_trace_callback(None)
    plan = " ".join(str(r[-1]) for r in db.execute("EXPLAIN QUERY PLAN " + sent[-1]).fetchall())
    assert plan.startswith("SEARCH papers USING INDEX"), plan  # LIKE would be "SCAN papers": every row


def test_a_save_from_an_old_version_is_refused(db) -> None:
    v1 = criteria.ensure_team(db, "t", Criteria(topics="MoE"))
    criteria.save_criteria(db, "t", v1.criteria.evolve(keywords=("a",)), author="x", change="add a",
                           expected_version=1)
    with pytest.raises(criteria.CriteriaChanged) as e:
        criteria.save_criteria(db, "t", v1.criteria.evolve(keywords=("b",)), author="y", change="add b",
                               expected_version=1)
    assert e.value.current == 2 and [v.version for v in criteria.history(db, "t")] == [1, 2]


def test_a_store_call_that_raises_stopiteration_fails_instead_of_hanging(tmp_path: Path) -> None:
    import asyncio

    store = Store.open(tmp_path / "s.db")

    def broken(db) -> int:
        return next(iter([]))

    async def go() -> None:
        with pytest.raises(RuntimeError, match="StopIteration"):
            await asyncio.wait_for(store.call(broken), timeout=10)

    asyncio.run(go())
    store.close()
