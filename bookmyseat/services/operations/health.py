"""Whether this app server can serve: its database answers and, when configured, its Redis. The
proxy's health check asks `/healthz` and stops sending customers to a server that cannot."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import redis
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bookmyseat.db import get_engine

log = logging.getLogger("bookmyseat.health")
TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True)
class Health:
    database: str  # ok | down
    redis: str  # ok | down | not used

    @property
    def ok(self) -> bool:
        return self.database == "ok" and self.redis in ("ok", "not used")


def _database(engine: Engine) -> str:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1")).scalar_one()
        return "ok"
    except Exception as exc:  # any failure means "cannot serve"; the reason goes to the log
        log.warning("Health: the database does not answer: %s", exc.__class__.__name__)
        return "down"


def _redis(url: str) -> str:
    if not url:
        return "not used"
    try:
        client = redis.Redis.from_url(
            url, socket_timeout=TIMEOUT_SECONDS, socket_connect_timeout=TIMEOUT_SECONDS
        )
        try:
            client.ping()
        finally:
            client.close()
        return "ok"
    except redis.RedisError as exc:
        log.warning("Health: Redis does not answer: %s", exc.__class__.__name__)
        return "down"


def check_health(redis_url: str, engine: Engine | None = None) -> Health:
    return Health(database=_database(engine or get_engine()), redis=_redis(redis_url))
