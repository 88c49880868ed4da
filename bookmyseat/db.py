"""Engine and sessions in one place: SQLite pragmas, PostgreSQL, dialect-neutral inserts.

SQLite ignores `SELECT ... FOR UPDATE`, so every write transaction starts with `BEGIN IMMEDIATE`
(taken through `write_session`): two writers never both read a state that one of them then changes.

A database connection belongs to one process. The production server imports the app in its
supervisor and forks the workers from it, so a forked child forgets every pooled connection it
inherited (without closing it: that would end the parent's session too) and opens its own; and
what the supervisor itself must read before forking (the production gate) is read through
`one_off_engine`, which keeps no connection once the block ends.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Column, Table, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.pool import NullPool
from sqlmodel import Session, create_engine

from bookmyseat.settings import get_settings

_WRITE_OPTION = "bookmyseat_write"
MAX_ROW_ID = 2**31 - 1  # integer primary keys are 32-bit on PostgreSQL
SQLITE_BUSY_TIMEOUT_MS = 30_000


def is_row_id(value: object) -> bool:
    """Whether `value` can name a row: ids from a client are checked with this before a query,
    so a huge or negative one means "not found", never a database error."""
    return type(value) is int and 0 < value <= MAX_ROW_ID


_ENGINES: weakref.WeakSet[Engine] = weakref.WeakSet()  # every engine this process made


def make_engine(url: str, *, pool_size: int = 20, pooled: bool = True) -> Engine:
    """Build an engine for `url` with the project's connection settings (`pooled=False`: every
    connection is closed when it is given back)."""
    engine = _make_engine(url, pool_size if pooled else 0)
    _ENGINES.add(engine)
    return engine


def _make_engine(url: str, pool_size: int) -> Engine:
    pooling: dict = {"poolclass": NullPool}
    if pool_size:
        pooling = {"pool_size": pool_size, "max_overflow": pool_size}
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            **pooling,
        )
        _install_sqlite_hooks(engine)
        return engine
    return create_engine(url, pool_recycle=1800, **pooling)


def _forget_inherited_connections() -> None:
    """In a forked child: drop the parent's pooled connections unclosed (two processes speaking
    on one socket interleave their messages: another request's rows, lost transactions, crashed
    workers); the child's first query opens a connection of its own."""
    for engine in list(_ENGINES):
        engine.dispose(close=False)


os.register_at_fork(after_in_child=_forget_inherited_connections)


@contextmanager
def one_off_engine(url: str | None = None) -> Iterator[Engine]:
    """An engine for a few queries in a process that will fork (the server's supervisor): no
    pool, and disposed at the end, so no connection outlives the block."""
    engine = make_engine(url or get_settings().database_url, pooled=False)
    try:
        yield engine
    finally:
        engine.dispose()


def _install_sqlite_hooks(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Let us issue BEGIN ourselves (the driver's own BEGIN is always DEFERRED).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        immediate = connection.get_execution_options().get(_WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@lru_cache(maxsize=4)
def _engine_for(url: str, pool_size: int) -> Engine:
    return make_engine(url, pool_size=pool_size)


def get_engine() -> Engine:
    """The process-wide engine for the configured database (each worker has its own pool:
    workers × 2 × BOOKMYSEAT_DB_POOL_SIZE must fit the server's connection limit)."""
    settings = get_settings()
    return _engine_for(settings.database_url, settings.database_pool_size)


@contextmanager
def read_session(engine: Engine | None = None) -> Iterator[Session]:
    """A session for reading; rolled back at the end."""
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        yield session


_sqlite_writer_locks: dict[str, threading.RLock] = {}
_locks_guard = threading.Lock()


def _writer_lock(engine: Engine) -> AbstractContextManager:
    """SQLite admits one writer at a time. Threads of this process queue on a lock instead of
    polling the database lock (SQLite's busy handler sleeps up to 100 ms between tries); other
    processes are still kept out by BEGIN IMMEDIATE and the busy timeout."""
    if engine.dialect.name != "sqlite":
        return nullcontext()
    key = str(engine.url)
    with _locks_guard:
        return _sqlite_writer_locks.setdefault(key, threading.RLock())


@contextmanager
def write_session(engine: Engine | None = None) -> Iterator[Session]:
    """A session whose transaction takes the write lock at once (SQLite) and commits on success."""
    engine = engine or get_engine()
    bound = engine.execution_options(**{_WRITE_OPTION: True})
    with _writer_lock(engine), Session(bound, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@lru_cache(maxsize=32)
def _insert_ignoring(dialect: str, table: Table, returning: Column):
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(table).on_conflict_do_nothing().returning(returning)


def insert_ignoring_conflicts(
    session: OrmSession, table: Table, rows: list[dict], returning: Column
) -> list:
    """INSERT .. ON CONFLICT DO NOTHING RETURNING, on SQLite and PostgreSQL alike: the values of
    `returning` for the rows that went in (sent as one multi-row statement)."""
    stmt = _insert_ignoring(session.get_bind().dialect.name, table, returning)
    return list(session.execute(stmt, rows).scalars())
