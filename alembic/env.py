"""Alembic environment. `bookmyseat.migrations.migrate` hands it a connection; the plain
`alembic` command leaves it to open one on the configured database."""

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from bookmyseat import models  # noqa: F401 - registers every table in SQLModel.metadata
from bookmyseat.db import get_engine

target_metadata = SQLModel.metadata


def _run_on(connection: Connection) -> None:
    """Run the migrations in one transaction and commit. On SQLite, altering a table copies it
    and drops the original; with foreign keys enforced that drop would delete (or refuse) the
    rows that point at it, so they are off while migrating (set outside any transaction, the
    only place SQLite takes the setting), checked before the commit, and on again after it."""
    raw = connection.connection.dbapi_connection if connection.dialect.name == "sqlite" else None
    if raw is not None:
        connection.commit()  # nothing may be open for the setting to take
        raw.execute("PRAGMA foreign_keys=OFF")
    try:
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=True
        )
        with context.begin_transaction():
            context.run_migrations()
            if raw is not None:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"The migration left rows pointing nowhere: {broken[:5]}")
        connection.commit()
    finally:
        if raw is not None:
            connection.rollback()  # after a failure: nothing open when the setting changes
            raw.execute("PRAGMA foreign_keys=ON")


def run_migrations() -> None:
    given = context.config.attributes.get("connection")
    if given is not None:
        _run_on(given)
        return
    with get_engine().connect() as connection:
        _run_on(connection)


if context.is_offline_mode():
    raise SystemExit("Offline (SQL script) migrations are not supported; run against a database.")
run_migrations()
