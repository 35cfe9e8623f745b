"""`paperbot backup FILE`: SQLite's online backup of the live (WAL) database while another connection writes."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from bot.__main__ import main
from storage import maintenance
from storage.db import Store, utcnow

ROOT = Path(__file__).resolve().parents[2]


def _seed(db_path: Path, papers: int = 4000) -> None:
    store = Store.open(db_path)  # migrated, WAL: the bot's own database
    try:
        store.sync(lambda db: db["papers"].insert_all(
            ({"arxiv_id": f"2601.{i:05d}", "title": f"Paper {i}", "abstract": "word " * 400, "stored_at": utcnow()}
             for i in range(papers)), batch_size=500))
    finally:
        store.close()


class Writer(threading.Thread):
    """Another connection voting in pairs, one transaction per pair, until stopped."""

    def __init__(self, path: Path) -> None:
        super().__init__(daemon=True)
        self.path, self.pairs, self.stop = path, 0, threading.Event()

    def run(self) -> None:
        conn = sqlite3.connect(self.path, timeout=5)
        try:
            while not self.stop.is_set():
                with conn:  # both votes of a pair or neither
                    for user in ("a", "b"):
                        conn.execute("INSERT INTO votes (team, arxiv_id, platform, user, value, at) "
                                     "VALUES ('t', ?, 'slack', ?, 1, '2026-01-27')", [f"p{self.pairs}", user])
                self.pairs += 1
        finally:
            conn.close()


def _config_file(tmp_path: Path, db: Path) -> Path:
    text = (ROOT / "config.toml").read_text().replace('path = "data/paperbot.db"', f'path = "{db}"')
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_a_backup_taken_while_another_connection_writes_is_a_consistent_snapshot(tmp_path: Path, capsys) -> None:
    live, copy = tmp_path / "live.db", tmp_path / "backups" / "paperbot-backup.db"
    _seed(live)
    writer = Writer(live)
    writer.start()
    try:
        deadline = time.monotonic() + 10
        while writer.pairs < 20 and time.monotonic() < deadline:  # the writer is in full swing
            time.sleep(0.001)
        before = writer.pairs
        assert main(["--config", str(_config_file(tmp_path, live)), "backup", str(copy)]) == 0
        after = writer.pairs
    finally:
        writer.stop.set()
        writer.join()
    assert after > before, "the writer was blocked during the backup"
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one self-contained file
        assert conn.execute("SELECT count(*) FROM papers").fetchone()[0] == 4000
        votes = conn.execute("SELECT count(*) FROM votes").fetchone()[0]
        assert votes % 2 == 0, "half a transaction in the copy"
        assert 2 * before <= votes <= 2 * after
        paired = conn.execute("SELECT count(*) FROM (SELECT arxiv_id FROM votes GROUP BY arxiv_id "
                              "HAVING count(*) = 2)").fetchone()[0]
        assert paired * 2 == votes
    assert not list(copy.parent.glob(".*.part"))  # the temporary file became the backup
    err = capsys.readouterr().err
    assert f"to {copy}" in err and "4,000 papers" in err
    # The store opens on the copy: what a restore does.
    restored = Store.open(copy)
    try:
        assert restored.sync(maintenance.ping)
    finally:
        restored.close()


def test_backup_refuses_the_database_itself_and_a_missing_database(tmp_path: Path) -> None:
    live = tmp_path / "live.db"
    with pytest.raises(maintenance.BackupError, match="no database"):
        maintenance.backup(live, tmp_path / "copy.db")
    _seed(live, papers=3)
    with pytest.raises(maintenance.BackupError, match="must not be the database itself"):
        maintenance.backup(live, live)
    assert main(["--config", str(_config_file(tmp_path, live)), "backup", str(live)]) == 1
    result = maintenance.backup(live, tmp_path / "copy.db")
    assert result.tables["papers"] == 3 and result.bytes > 0
