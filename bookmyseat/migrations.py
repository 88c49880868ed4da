"""Apply the committed Alembic migrations (the scripts under `alembic/`, which `reflex db` and
the plain `alembic` command run too) through Alembic's public command API."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

from bookmyseat.db import get_engine
from bookmyseat.settings import PROJECT_ROOT

ALEMBIC_DIR = PROJECT_ROOT / "alembic"


def migrate(engine: Engine | None = None, revision: str = "head") -> None:
    """Upgrade the database of `engine` (the configured one by default) to `revision`."""
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ALEMBIC_DIR))
    with (engine or get_engine()).connect() as connection:
        config.attributes["connection"] = connection  # env.py migrates on this connection
        command.upgrade(config, revision)
        connection.commit()
