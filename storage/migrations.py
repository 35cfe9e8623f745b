"""The schema, and only here: sqlite-utils Migrations applied in order at open."""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("paperbot")


@migrations()
def m001_papers(db: Database) -> None:
    """Papers with FTS5 over title, abstract, authors; which day each was announced, and how."""
    db.execute(
        """CREATE TABLE papers (
            arxiv_id TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            abstract TEXT NOT NULL DEFAULT '',
            authors TEXT NOT NULL DEFAULT '[]',      -- JSON list
            authors_text TEXT NOT NULL DEFAULT '',   -- "A, B, C" for FTS
            categories TEXT NOT NULL DEFAULT '[]',   -- JSON list, primary first
            published TEXT NOT NULL DEFAULT '',
            version INTEGER NOT NULL DEFAULT 1,
            arxiv_comment TEXT NOT NULL DEFAULT '',
            full_text TEXT,                          -- arXiv HTML as text, cached for /explain
            stored_at TEXT NOT NULL
        )"""
    )
    db["papers"].enable_fts(["title", "abstract", "authors_text"], fts_version="FTS5", create_triggers=True,
                            tokenize="unicode61 remove_diacritics 2")
    db.execute(
        """CREATE TABLE listings (
            day TEXT NOT NULL,
            arxiv_id TEXT NOT NULL REFERENCES papers(arxiv_id),
            announce_type TEXT NOT NULL,
            category TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (day, arxiv_id)
        )"""
    )
    db.execute("CREATE INDEX listings_paper ON listings(arxiv_id)")


@migrations()
def m002_teams_criteria(db: Database) -> None:
    """Teams and every version of their criteria (who, when, what changed)."""
    db.execute(
        """CREATE TABLE teams (
            name TEXT PRIMARY KEY,
            created_at TEXT NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE criteria_versions (
            team TEXT NOT NULL REFERENCES teams(name),
            version INTEGER NOT NULL,
            criteria TEXT NOT NULL,          -- JSON of Criteria.to_dict()
            hash TEXT NOT NULL,              -- content hash; scores key on it
            author TEXT NOT NULL,            -- platform:user id, or "config"
            created_at TEXT NOT NULL,
            change TEXT NOT NULL DEFAULT '', -- human summary: "add keyword: MoE"
            PRIMARY KEY (team, version)
        )"""
    )


@migrations()
def m003_scores_llm(db: Database) -> None:
    """Scores per (team, paper, criteria hash, scorer, prompt version) and every LLM call's cost."""
    db.execute(
        """CREATE TABLE scores (
            team TEXT NOT NULL,
            arxiv_id TEXT NOT NULL,
            criteria_hash TEXT NOT NULL,
            scorer TEXT NOT NULL,            -- "llm:<model>" or "local:<name>"
            prompt_version TEXT NOT NULL,
            relevance REAL,
            novelty REAL,
            comment TEXT NOT NULL DEFAULT '',
            author_match INTEGER NOT NULL DEFAULT 0,
            status TEXT NOT NULL DEFAULT 'scored',  -- 'scored' | 'unscored' (retry next run) | 'filtered'
            attempts INTEGER NOT NULL DEFAULT 1,
            scored_at TEXT NOT NULL,
            PRIMARY KEY (team, arxiv_id, criteria_hash, scorer, prompt_version)
        )"""
    )
    db.execute("CREATE INDEX scores_team_paper ON scores(team, arxiv_id)")
    db.execute(
        """CREATE TABLE llm_calls (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            team TEXT NOT NULL DEFAULT '',
            purpose TEXT NOT NULL,           -- "score", "explain", "weekly-map", "weekly-reduce"
            model TEXT NOT NULL,
            prompt_tokens INTEGER NOT NULL DEFAULT 0,
            completion_tokens INTEGER NOT NULL DEFAULT 0,
            cached_tokens INTEGER NOT NULL DEFAULT 0,
            cost_usd REAL NOT NULL DEFAULT 0,
            ok INTEGER NOT NULL DEFAULT 1,
            error TEXT NOT NULL DEFAULT '',
            ref TEXT NOT NULL DEFAULT ''     -- digest day / week / paper id the call served
        )"""
    )
    db.execute("CREATE INDEX llm_calls_team_at ON llm_calls(team, at)")


@migrations()
def m004_digests_posts_votes(db: Database) -> None:
    """Digest results, what was posted where, votes, processed platform events, job runs."""
    db.execute(
        """CREATE TABLE picks (
            team TEXT NOT NULL,
            day TEXT NOT NULL,
            arxiv_id TEXT NOT NULL,
            rank INTEGER NOT NULL,
            relevance REAL,
            novelty REAL,
            comment TEXT NOT NULL DEFAULT '',
            author_match INTEGER NOT NULL DEFAULT 0,
            scorer TEXT NOT NULL,
            PRIMARY KEY (team, day, arxiv_id)
        )"""
    )
    db.execute("CREATE INDEX picks_team_day ON picks(team, day)")
    db.execute(
        """CREATE TABLE digests (
            team TEXT NOT NULL,
            day TEXT NOT NULL,
            scorer TEXT NOT NULL,
            listed INTEGER NOT NULL,
            scanned INTEGER NOT NULL,
            picked INTEGER NOT NULL,
            unscored INTEGER NOT NULL DEFAULT 0,
            usage TEXT NOT NULL DEFAULT '{}',  -- JSON LLMUsage of the run that made it
            created_at TEXT NOT NULL,
            PRIMARY KEY (team, day)
        )"""
    )
    db.execute(
        """CREATE TABLE posts (
            id INTEGER PRIMARY KEY,
            team TEXT NOT NULL,
            kind TEXT NOT NULL,          -- "daily" | "weekly"
            period TEXT NOT NULL,        -- "2026-01-27" | "2026-W04"
            platform TEXT NOT NULL,
            channel TEXT NOT NULL,
            key TEXT NOT NULL,           -- "parent" or the reply's key (arXiv id for paper replies)
            message_ids TEXT NOT NULL,   -- JSON list: a long message may take several
            thread_id TEXT NOT NULL DEFAULT '',
            posted_at TEXT NOT NULL,
            UNIQUE (team, kind, period, platform, channel, key)
        )"""
    )
    db.execute(
        """CREATE TABLE post_papers (
            platform TEXT NOT NULL,
            channel TEXT NOT NULL,
            message_id TEXT NOT NULL,
            slot INTEGER NOT NULL,       -- 0: the message stands for one paper; k: numbered reaction k
            arxiv_id TEXT NOT NULL,
            team TEXT NOT NULL,
            PRIMARY KEY (platform, channel, message_id, slot)
        )"""
    )
    db.execute("CREATE INDEX post_papers_msg ON post_papers(platform, message_id)")
    db.execute(
        """CREATE TABLE votes (
            team TEXT NOT NULL,
            arxiv_id TEXT NOT NULL,
            platform TEXT NOT NULL,
            user TEXT NOT NULL,
            value INTEGER NOT NULL,      -- +1 or -1
            at TEXT NOT NULL,
            PRIMARY KEY (team, arxiv_id, platform, user)
        )"""
    )
    db.execute("CREATE INDEX votes_team_paper ON votes(team, arxiv_id)")
    db.execute(
        """CREATE TABLE seen_events (
            platform TEXT NOT NULL,
            event_id TEXT NOT NULL,
            at TEXT NOT NULL,
            PRIMARY KEY (platform, event_id)
        )"""
    )
    db.execute(
        """CREATE TABLE job_runs (
            id INTEGER PRIMARY KEY,
            job TEXT NOT NULL,           -- "daily" | "weekly" | "backfill"
            team TEXT NOT NULL DEFAULT '',
            period TEXT NOT NULL DEFAULT '',
            started_at TEXT NOT NULL,
            finished_at TEXT,
            status TEXT NOT NULL DEFAULT 'running',  -- running | ok | failed | empty
            detail TEXT NOT NULL DEFAULT ''
        )"""
    )


@migrations()
def m005_reports_cache_kv(db: Database) -> None:
    """Weekly reports, /explain answers, and a small key-value table (command-sync hashes)."""
    db.execute(
        """CREATE TABLE weekly_reports (
            team TEXT NOT NULL,
            week TEXT NOT NULL,          -- ISO week "2026-W04"
            report TEXT NOT NULL,        -- JSON
            scorer TEXT NOT NULL,        -- "llm:<model>" or "local"
            cost_usd REAL NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            PRIMARY KEY (team, week)
        )"""
    )
    db.execute(
        """CREATE TABLE explanations (
            arxiv_id TEXT NOT NULL,
            team TEXT NOT NULL,
            question TEXT NOT NULL,
            model TEXT NOT NULL,
            prompt_version TEXT NOT NULL,
            answer TEXT NOT NULL,
            cost_usd REAL NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            PRIMARY KEY (arxiv_id, team, question, model, prompt_version)
        )"""
    )
    db.execute("CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at TEXT NOT NULL)")


def migrate(db: Database) -> None:
    """Apply every pending migration."""
    migrations.apply(db)


@migrations()
def m006_scores_history_index(db: Database) -> None:
    """Index for the daily run's scoring history: a team's newest scores without a full scan.

    scores.history() reads a team's newest <=20k scored papers. Without this index SQLite joins every
    score of the team with its paper (a year of abstracts) and sorts them all: ~2 s on a year of 250k
    papers. With it, it walks the index newest first and stops at the limit (~0.2 s). Not (team, status,
    scored_at): SQLite would then prefer it over the primary key for cached_scores' id look-ups.
    """
    db.execute("CREATE INDEX IF NOT EXISTS scores_team_at ON scores(team, scored_at)")


@migrations()
def m007_paper_threads(db: Database) -> None:
    """Which paper a card, an answer or an unfurled link is about, and the questions asked in its thread.

    `root` is the message a conversation hangs under (Slack's thread_ts; on Discord the card or the
    first question), so a reply to any answer finds the whole thread's earlier questions.
    """
    db.execute(
        """CREATE TABLE paper_messages (
            platform TEXT NOT NULL,
            message_id TEXT NOT NULL,
            channel TEXT NOT NULL,
            arxiv_id TEXT NOT NULL,
            team TEXT NOT NULL,
            root TEXT NOT NULL,
            kind TEXT NOT NULL,          -- "card" | "answer" | "link" (a user's message we unfurled)
            at TEXT NOT NULL,
            PRIMARY KEY (platform, message_id)
        )"""
    )
    db.execute(
        """CREATE TABLE thread_questions (
            id INTEGER PRIMARY KEY,
            platform TEXT NOT NULL,
            root TEXT NOT NULL,
            arxiv_id TEXT NOT NULL,
            team TEXT NOT NULL,
            user TEXT NOT NULL,
            question TEXT NOT NULL,
            answer TEXT NOT NULL,
            at TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX thread_questions_root ON thread_questions(platform, root, arxiv_id, id)")


@migrations()
def m008_team_examples(db: Database) -> None:
    """A team's labelled examples (an imported reading list: positives) for the ranker to learn from."""
    db.execute(
        """CREATE TABLE team_examples (
            team TEXT NOT NULL,
            arxiv_id TEXT NOT NULL,          -- a papers row: an arXiv id, or doi:/ref: for other imported papers
            label INTEGER NOT NULL,          -- +1 positive (read it, want more like it), -1 negative
            source TEXT NOT NULL DEFAULT '', -- "import:zotero.bib"
            added_by TEXT NOT NULL DEFAULT '',  -- platform:user id, or "cli"
            added_at TEXT NOT NULL,
            PRIMARY KEY (team, arxiv_id)
        )"""
    )


@migrations()
def m009_posts_claim_owner(db: Database) -> None:
    """Who holds a post's claim and since when: a claim whose holder died is taken over (and reconciled) at once.

    claimed_by is "host/pid/start/token" (storage.owners); '' marks a claim given up after a send that may
    have reached the platform. claimed_at is the first claim's time: the platform is searched from there.
    """
    have = db["posts"].columns_dict  # a store that ran the branch's m008_posts_claim_owner has them already
    if "claimed_by" not in have:
        db.execute("ALTER TABLE posts ADD COLUMN claimed_by TEXT NOT NULL DEFAULT ''")
    if "claimed_at" not in have:
        db.execute("ALTER TABLE posts ADD COLUMN claimed_at TEXT NOT NULL DEFAULT ''")


@migrations()
def m010_paper_vectors(db: Database) -> None:
    """Each paper's hashed term row (bot.core.features), the columns' document frequencies, and an index.

    `paper_vectors.row` is storage.vectors' compact encoding; `id` is ours (papers' rowid may change on
    VACUUM). `term_df` holds the number of rows having each column, 1,024 columns per chunk (int32
    BLOBs), so a reader loads all of it in a few ms and a writer rewrites only the chunks it touches;
    `term_df_meta.generation` changes with every write, so readers know when a cached copy is stale.
    `term_postings` lists, per column, the rows that have it among their most telling columns: the
    inverted index `/papers like` finds candidates in. A store from before this migration gets its rows
    lazily (storage.vectors.fill_missing), so migrating is instant.
    """
    db.execute(
        """CREATE TABLE paper_vectors (
            id INTEGER PRIMARY KEY,
            arxiv_id TEXT NOT NULL UNIQUE REFERENCES papers(arxiv_id),
            row BLOB NOT NULL
        )"""
    )
    db.execute("CREATE TABLE term_df (chunk INTEGER PRIMARY KEY, counts BLOB NOT NULL)")
    db.execute("CREATE TABLE term_df_meta (id INTEGER PRIMARY KEY CHECK (id = 1), docs INTEGER NOT NULL, "
               "generation INTEGER NOT NULL)")
    db.execute("INSERT INTO term_df_meta VALUES (1, 0, 0)")
    db.execute("CREATE TABLE term_postings (col INTEGER NOT NULL, vec INTEGER NOT NULL, PRIMARY KEY (col, vec)) "
               "WITHOUT ROWID")


@migrations()
def m011_vote_reactions(db: Database) -> None:
    """The vote reactions each member still has on each message: votes are derived from them.

    `votes` stays as the derived result (one row per member and paper, value = sign of their +1/-1
    reactions), so every vote query reads it as before. Votes recorded before this table existed
    become one "legacy" reaction each, so they neither vanish nor double.
    """
    if "vote_reactions" in db.table_names():  # a store that ran the branch's m007_vote_reactions has it already
        return
    db.execute(
        """CREATE TABLE vote_reactions (
            platform TEXT NOT NULL,
            message_id TEXT NOT NULL,   -- '' for a vote not given through a message (the Upvote button)
            user TEXT NOT NULL,
            reaction TEXT NOT NULL,     -- as the platform names it ("+1::skin-tone-2", "🔥"); "command", "legacy"
            burst INTEGER NOT NULL DEFAULT 0,  -- a Discord super reaction (a member may add both kinds)
            team TEXT NOT NULL,
            arxiv_id TEXT NOT NULL,
            value INTEGER NOT NULL,     -- +1 or -1
            at TEXT NOT NULL,
            -- voter first: deriving a vote sums one member's reactions on one paper (a PK prefix)
            PRIMARY KEY (team, arxiv_id, platform, user, message_id, reaction, burst)
        ) WITHOUT ROWID"""
    )
    db.execute("CREATE INDEX vote_reactions_message ON vote_reactions(platform, message_id)")
    db.execute(
        """INSERT INTO vote_reactions (platform, message_id, user, reaction, burst, team, arxiv_id, value, at)
           SELECT platform, '', user, 'legacy', 0, team, arxiv_id, value, at FROM votes"""
    )


@migrations()
def m012_picks_by_paper(db: Database) -> None:
    """Index for a team's picks of given papers (digests.picks_of_papers, behind every search and like page).

    Without it SQLite reads all of a team's picks by (team, day) and filters the ids: ~8 ms for a year's
    14k picks, on each page of /papers search and /papers like.
    """
    db.execute("CREATE INDEX IF NOT EXISTS picks_team_paper ON picks(team, arxiv_id)")


@migrations()
def m013_team_models_candidates(db: Database) -> None:
    """The team's persisted ranker model, and every daily candidate's decision (for /papers why).

    A model blob is replaced after each daily run (bot/core/team_model.py: compressed numpy arrays,
    ~2-4 MB after a year). `candidates` keeps one row per team, digest day and paper: the decision,
    the local score and, when the LLM read the paper, its scores — `paperbot daily --format json`
    prints the same list.
    """
    db.execute(
        """CREATE TABLE team_models (
            team TEXT PRIMARY KEY,
            model BLOB NOT NULL,
            last_day TEXT NOT NULL DEFAULT '',   -- the last digest day the model learned (a re-run learns nothing)
            learned_until TEXT NOT NULL DEFAULT '',  -- votes and imported examples up to this time are learned
            updated_at TEXT NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE candidates (
            team TEXT NOT NULL,
            day TEXT NOT NULL,
            arxiv_id TEXT NOT NULL,
            decision TEXT NOT NULL,      -- picked | below cut-offs | prefiltered | excluded | author match | unscored
            local_score REAL,
            relevance REAL,
            novelty REAL,
            comment TEXT NOT NULL DEFAULT '',
            scorer TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (team, arxiv_id, day)
        ) WITHOUT ROWID"""
    )
    db.execute("CREATE INDEX candidates_day ON candidates(team, day, local_score)")
