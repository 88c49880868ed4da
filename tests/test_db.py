"""The engine: SQLite writes lock at BEGIN; PostgreSQL URLs get the psycopg 3 driver."""

from __future__ import annotations

import os
import sqlite3
import threading
import weakref

import pytest
from sqlalchemy import text

from bookmyseat import db
from bookmyseat.db import make_engine, one_off_engine, read_session, write_session
from bookmyseat.settings import normalize_database_url
from tests.databases import postgres_database, sqlite_database


def test_sqlite_write_session_holds_the_write_lock_from_its_first_read(tmp_path) -> None:
    with sqlite_database(tmp_path) as engine:
        path = engine.url.database
        inside = threading.Event()
        done = threading.Event()

        def writer() -> None:
            with write_session(engine) as session:
                # Only a read so far: BEGIN IMMEDIATE must already have taken the write lock.
                session.connection().exec_driver_sql("SELECT count(*) FROM booking")
                inside.set()
                done.wait(5)

        thread = threading.Thread(target=writer)
        thread.start()
        assert inside.wait(5)
        other = sqlite3.connect(path, timeout=0.1, isolation_level=None)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        done.set()
        thread.join()
        other.execute("BEGIN IMMEDIATE")  # free again once the writer committed
        other.execute("ROLLBACK")
        other.close()


def test_sqlite_connections_use_wal_and_a_busy_timeout(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with read_session(engine) as session:
        conn = session.connection()
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_database_urls_use_psycopg3(given: str, expected: str) -> None:
    assert normalize_database_url(given) == expected


def _backend_pid_in_a_child(engine) -> int:
    """The PostgreSQL server process a forked child's first query is answered by."""
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:  # the child: one query, its answer down the pipe, gone
        try:
            with engine.connect() as conn:
                os.write(
                    writing, str(conn.execute(text("SELECT pg_backend_pid()")).scalar()).encode()
                )
        finally:
            os._exit(0)
    os.close(writing)
    answer = os.read(reading, 32)
    os.waitpid(child, 0)
    os.close(reading)
    return int(answer or 0)


def test_a_forked_child_opens_its_own_database_connection() -> None:
    """The production server forks its workers from a supervisor that has imported the app: a
    pooled connection the parent made must never be spoken on by the child as well."""
    with postgres_database() as engine:
        with engine.connect() as conn:  # the parent's connection, back in the pool
            parents = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        childs = _backend_pid_in_a_child(engine)
        assert childs and childs != parents
        with engine.connect() as conn:  # and the parent's own still works
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar() == parents


def test_without_forgetting_the_child_would_share_the_parents_connection(monkeypatch) -> None:
    """The negative control: with the after-fork hook made a no-op, the child's query goes out
    on the parent's own connection (the same server process answers)."""
    with postgres_database() as engine:
        monkeypatch.setattr(db, "_ENGINES", weakref.WeakSet())  # the hook forgets nothing
        with engine.connect() as conn:
            parents = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        assert _backend_pid_in_a_child(engine) == parents


def _connections_to(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
        ).scalar()


def test_a_one_off_engine_keeps_no_connection() -> None:
    """What the server's supervisor reads before forking leaves no connection behind."""
    with postgres_database() as engine:
        url = engine.url.render_as_string(hide_password=False)
        before = _connections_to(engine)
        with one_off_engine(url) as once:
            with once.connect() as conn:
                assert _connections_to(engine) == before + 1
                conn.execute(text("SELECT 1"))
            assert _connections_to(engine) == before  # closed when given back
        assert _connections_to(engine) == before
