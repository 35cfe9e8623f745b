"""Opening the database, its one write path, and the one thread every async caller goes through.

Two processes share the file (the bot, and a `paperbot daily` run from cron or a shell). SQLite in WAL
mode lets readers run beside the one writer; what loses data is a transaction that reads, then tries to
write after the other process has committed: SQLite cannot wait there and fails at once with "database
is locked" (SQLITE_BUSY_SNAPSHOT). So every write transaction takes the write lock first (BEGIN
IMMEDIATE), where SQLite's busy handler does wait (up to BUSY_TIMEOUT_S), and transactions stay short.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from collections.abc import Callable, Generator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import sqlite_utils

from bot.ports import UpstreamError
from storage.migrations import migrate

P = ParamSpec("P")
T = TypeVar("T")


def utcnow() -> str:
    """Current UTC time as ISO text, the format every timestamp column uses."""
    return datetime.now(UTC).isoformat(timespec="seconds")


# How long a writer waits for the other process's write transaction (they last milliseconds; a
# backfill writes in chunks) before the caller gets StoreBusy.
BUSY_TIMEOUT_S = 30.0
# Rows per write transaction of a long write: a backfill of 40k papers or a large reading list must not
# hold the write lock for seconds while the bot waits to record a vote (500 papers with their FTS rows: ~50 ms).
CHUNK = 500


class StoreBusy(UpstreamError):
    """The database stayed locked by another process for longer than BUSY_TIMEOUT_S."""

    def __init__(self, detail: str) -> None:
        super().__init__("The database", detail)


def _is_busy(e: sqlite3.OperationalError) -> bool:
    return "locked" in str(e) or "busy" in str(e)


class Database(sqlite_utils.Database):
    """sqlite-utils' Database whose transactions take the write lock when they begin (BEGIN IMMEDIATE)."""

    @contextlib.contextmanager
    def atomic(self) -> Generator[Database, None, None]:
        """A transaction (a savepoint when nested) that holds the write lock from its first statement."""
        if self.conn.in_transaction:
            with super().atomic():
                yield self
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")  # waits up to the busy timeout for the other writer
        except sqlite3.OperationalError as e:
            if _is_busy(e):
                raise StoreBusy(f"locked by another process for over {BUSY_TIMEOUT_S:.0f} s") from e
            raise
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        try:
            self.conn.execute("COMMIT")
        except BaseException:
            self.rollback()
            raise


def open_db(path: str | Path, *, busy_timeout_s: float = BUSY_TIMEOUT_S) -> Database:
    """Open (creating if needed) and migrate the database: WAL, immediate write transactions, FKs off."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    # check_same_thread=False: the connection is created here and then used only by the
    # Store's single worker thread (or by one synchronous caller), never concurrently.
    conn = sqlite3.connect(str(path), check_same_thread=False, timeout=busy_timeout_s)
    # Python's own implicit transactions (a bare INSERT via db.execute) take the write lock first too.
    conn.isolation_level = "IMMEDIATE"
    db = Database(conn)
    db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
    if str(path) != ":memory:":
        db.enable_wal()
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA foreign_keys = OFF")  # listings may arrive before full metadata
    with db.atomic():  # under the write lock: two processes starting at once apply a migration once
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
        return await loop.run_in_executor(self._pool, self._guarded, fn, args, kwargs)

    def _guarded(self, fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]) -> T:
        try:
            return self.sync(fn, *args, **kwargs)
        except StopIteration as e:  # a Future cannot carry StopIteration: the awaiting task would hang forever
            raise RuntimeError(f"{getattr(fn, '__name__', fn)} raised StopIteration") from e

    def sync(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run `fn(db, *args, **kwargs)` here, holding the lock (for synchronous callers)."""
        with self._lock:
            try:
                return fn(self.db, *args, **kwargs)
            except sqlite3.OperationalError as e:
                if _is_busy(e):  # a write outside atomic() that waited out the busy timeout
                    raise StoreBusy(str(e)) from e
                raise

    def close(self) -> None:
        """Finish pending calls and close the connection."""
        self._pool.shutdown(wait=True)
        self.db.close()
