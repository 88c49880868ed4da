"""The committed migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

from bookmyseat import models


def test_migrations_match_the_models(engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == [], "run `reflex db makemigrations` and commit the new script"


def test_one_claim_per_seat_is_a_unique_index(engine) -> None:
    indexes = {i["name"]: i for i in inspect(engine).get_indexes("seat_claim")}
    guard = indexes["uq_seat_claim_showtime_seat"]
    assert guard["unique"] and guard["column_names"] == ["showtime_id", "seat_id"]


def test_every_table_is_created(engine) -> None:
    names = set(inspect(engine).get_table_names())
    assert {t.__table__.name for t in models.ALL_TABLES} <= names
