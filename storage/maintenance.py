"""Keeping the database: an online backup while the bot runs, and the liveness ping /healthz uses."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database


class BackupError(Exception):
    """The backup could not be made; the message says why."""


@dataclass(frozen=True)
class BackupResult:
    """What a backup wrote."""

    path: Path
    bytes: int
    tables: dict[str, int]  # row counts of the main tables, for the operator's eye


SUMMARY_TABLES = ("papers", "picks", "votes", "posts", "criteria_versions")


def backup(source: str | Path, target: str | Path) -> BackupResult:
    """Copy a live database to `target` with SQLite's online backup API: consistent, writers keep writing.

    The copy is one self-contained file (rollback journal, not WAL), checked before it replaces `target`.
    """
    src_path, dst_path = Path(source), Path(target)
    if not src_path.is_file():
        raise BackupError(f"no database at {src_path}")
    if dst_path.exists() and dst_path.resolve() == src_path.resolve():
        raise BackupError("the backup file must not be the database itself")
    dst_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst_path.with_name(f".{dst_path.name}.part")
    tmp.unlink(missing_ok=True)
    src = sqlite3.connect(src_path, timeout=30.0)
    try:
        dst = sqlite3.connect(tmp)
        try:
            # pages=-1 copies everything in one step, inside one read transaction: in WAL mode that is a
            # snapshot, and writers are not blocked (a stepwise copy would restart on every write).
            src.backup(dst, pages=-1)
            dst.execute("PRAGMA journal_mode = DELETE")
            check = dst.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise BackupError(f"the copy failed its integrity check: {check}")
            names = {r[0] for r in dst.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            tables = {t: dst.execute(f"SELECT count(*) FROM [{t}]").fetchone()[0]  # noqa: S608 - fixed names
                      for t in SUMMARY_TABLES if t in names}
        finally:
            dst.close()
    except sqlite3.Error as e:
        tmp.unlink(missing_ok=True)
        raise BackupError(f"cannot back up {src_path}: {e}") from e
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        src.close()
    os.replace(tmp, dst_path)
    return BackupResult(dst_path, dst_path.stat().st_size, tables)


def ping(db: Database) -> bool:
    """True when the database answers a trivial query (the health check)."""
    return db.execute("SELECT 1").fetchone() == (1,)
