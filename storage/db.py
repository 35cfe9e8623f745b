"""Opening the database, and the one thread every async caller goes through."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from sqlite_utils import Database

from storage.migrations import migrate

P = ParamSpec("P")
T = TypeVar("T")


def utcnow() -> str:
    """Current UTC time as ISO text, the format every timestamp column uses."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def open_db(path: str | Path) -> Database:
    """Open (creating if needed) and migrate the database: WAL, 5 s busy timeout, FKs on."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    # check_same_thread=False: the connection is created here and then used only by the
    # Store's single worker thread (or by one synchronous caller), never concurrently.
    conn = sqlite3.connect(str(path), check_same_thread=False, timeout=5.0)
    db = Database(conn)
    db.execute("PRAGMA busy_timeout = 5000")
    if str(path) != ":memory:":
        db.enable_wal()
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA foreign_keys = OFF")  # listings may arrive before full metadata
    migrate(db)
    return db


class Store:
    """Owns the Database and runs every call on one dedicated thread.

    sqlite3 connections must not be used from two threads at once; funnelling async callers
    through a single worker keeps the event loop free and the connection safe. Synchronous
    callers (CLI, benchmarks) may use `store.db` directly when no loop is running.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="paperbot-db")
        self._lock = threading.Lock()

    @classmethod
    def open(cls, path: str | Path) -> Store:
        """Open the database at `path` and wrap it."""
        return cls(open_db(path))

    async def call(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run `fn(db, *args, **kwargs)` on the DB thread and await its result."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, lambda: self.sync(fn, *args, **kwargs))

    def sync(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run `fn(db, *args, **kwargs)` here, holding the lock (for synchronous callers)."""
        with self._lock:
            return fn(self.db, *args, **kwargs)

    def close(self) -> None:
        """Finish pending calls and close the connection."""
        self._pool.shutdown(wait=True)
        self.db.close()
