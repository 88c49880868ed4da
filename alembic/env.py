"""Alembic environment for the plain `alembic` command; `reflex db` and `bookmyseat.manage migrate`
drive the same scripts with their own connection."""

from alembic import context
from sqlmodel import SQLModel

from bookmyseat import models  # noqa: F401 - registers every table in SQLModel.metadata
from bookmyseat.db import get_engine

target_metadata = SQLModel.metadata


def run_migrations() -> None:
    with get_engine().connect() as connection:
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=True
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    raise SystemExit("Offline (SQL script) migrations are not supported; run against a database.")
run_migrations()
