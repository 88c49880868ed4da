"""The engine: SQLite writes lock at BEGIN; PostgreSQL URLs get the psycopg 3 driver."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from bookmyseat.db import make_engine, read_session, write_session
from bookmyseat.settings import normalize_database_url
from tests.databases import sqlite_database


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
