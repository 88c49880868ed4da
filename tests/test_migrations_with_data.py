"""Migrating a database that already sells tickets keeps every row: down past this round's
migrations and up again, a paid booking, its seats, its claim and its roll-ups come through.

SQLite is where this can go wrong: altering a table there copies and drops it, and with foreign
keys enforced the drop would take (or refuse) the rows pointing at it. PostgreSQL alters in
place."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import text

from bookmyseat.db import make_engine
from bookmyseat.migrations import ALEMBIC_DIR, migrate
from bookmyseat.settings import PROJECT_ROOT
from tests.conftest import make_world
from tests.invariants import rollups_match_bookings
from tests.test_analytics import pay_at

BEFORE_THIS_ROUND = "3edfd5899ebc"  # two-factor and password resets


def downgrade(engine, revision: str) -> None:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ALEMBIC_DIR))
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
        connection.commit()


def counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            table: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in ("booking", "booking_seat", "seat_claim", "payment", "email_outbox")
        }


def test_a_database_with_sales_migrates_down_and_up_and_loses_nothing(tmp_path) -> None:
    from datetime import UTC, datetime

    engine = make_engine(f"sqlite:///{tmp_path / 'selling.db'}")
    migrate(engine)
    world = make_world(engine)
    pay_at(world, world.alice, ("C1", "C2"), datetime.now(UTC).replace(microsecond=0))
    before = counts(engine)
    assert before["booking"] == 1 and before["seat_claim"] == 2

    downgrade(engine, BEFORE_THIS_ROUND)
    assert counts(engine) == before
    migrate(engine)
    assert counts(engine) == before
    with engine.connect() as conn:
        assert conn.execute(text("SELECT discount_paise FROM booking")).scalar_one() == 0
        assert conn.execute(text("PRAGMA foreign_keys")).scalar_one() == 1  # on again
        assert conn.execute(text("PRAGMA foreign_key_check")).fetchall() == []
    rollups_match_bookings(engine)  # the upgrade rebuilt them from the bookings
