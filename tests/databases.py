"""Test databases: a fresh SQLite file, and a PostgreSQL database of our own per test run."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from bookmyseat import db, migrations
from bookmyseat.models import ALL_TABLES

PG_ADMIN_URL = os.environ.get(
    "BOOKMYSEAT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() == "true"


def postgres_available() -> str | None:
    """None if the server answers, else why not."""
    try:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any failure means "not available"
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"


def require_postgres() -> None:
    problem = postgres_available()
    if problem is None:
        return
    message = (
        f"PostgreSQL is not reachable at {PG_ADMIN_URL} ({problem}). Start it, or point "
        "BOOKMYSEAT_TEST_PG_URL at a server where we may create databases."
    )
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


@contextmanager
def sqlite_database(directory: Path) -> Iterator[Engine]:
    path = directory / f"bms-{uuid.uuid4().hex[:8]}.db"
    engine = db.make_engine(f"sqlite:///{path}", pool_size=40)
    migrations.migrate(engine)
    try:
        yield engine
    finally:
        engine.dispose()


@contextmanager
def postgres_database() -> Iterator[Engine]:
    require_postgres()
    name = f"bms_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    engine = db.make_engine(url, pool_size=40)
    try:
        migrations.migrate(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def empty_tables(engine: Engine) -> None:
    """Delete every row, children first, so each test starts from nothing."""
    names = [t.__table__.name for t in reversed(ALL_TABLES)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{n}"' for n in names) + " CASCADE"))
        else:
            for name in names:
                conn.execute(text(f'DELETE FROM "{name}"'))


REDIS_TEST_URL = os.environ.get("BOOKMYSEAT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_available() -> str | None:
    """None if the Redis server answers, else why not."""
    import redis

    try:
        redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=2).ping()
        return None
    except Exception as exc:  # any failure means "not available"
        return f"{type(exc).__name__}: {exc}"


def require_redis() -> str:
    """The Redis URL for tests; skips (fails under CI=true) when no server answers."""
    problem = redis_available()
    if problem is None:
        return REDIS_TEST_URL
    message = (
        f"Redis is not reachable at {REDIS_TEST_URL} ({problem}). Start it, or point "
        "BOOKMYSEAT_TEST_REDIS_URL at a server."
    )
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)
