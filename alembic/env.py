"""Alembic environment. `bookmyseat.migrations.migrate` hands it a connection; the plain
`alembic` command leaves it to open one on the configured database."""

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from bookmyseat import models  # noqa: F401 - registers every table in SQLModel.metadata
from bookmyseat.db import get_engine

target_metadata = SQLModel.metadata


def _run_on(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations() -> None:
    given = context.config.attributes.get("connection")
    if given is not None:
        _run_on(given)
        return
    with get_engine().connect() as connection:
        _run_on(connection)
        connection.commit()


if context.is_offline_mode():
    raise SystemExit("Offline (SQL script) migrations are not supported; run against a database.")
run_migrations()
