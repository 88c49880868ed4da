"""Figures every worker of every app server adds to, so that one scrape of /metrics sees them
all: counters and per-worker gauges in Redis when it is configured (several workers), in this
process otherwise (one worker). A failed write to Redis loses a count, never a request."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import Counter

import redis

from bookmyseat.services.redis_clients import client_for

log = logging.getLogger("bookmyseat.metrics")
PREFIX = "bms:metrics:"
GAUGE_FRESH_SECONDS = 30  # a worker that has not reported for this long has gone away

_local_counts: Counter[tuple[str, str]] = Counter()
_local_gauges: dict[tuple[str, str], tuple[float, float]] = {}
_lock = threading.Lock()


def count(name: str, label: str, redis_url: str, amount: int = 1) -> None:
    """Add to the counter `name` under `label` (a refusal's code, an outcome)."""
    if redis_url:
        try:
            client_for(redis_url).hincrby(PREFIX + name, label, amount)
            return
        except redis.RedisError as exc:
            log.warning("Could not count %s/%s in Redis: %s", name, label, exc)
            return
    with _lock:
        _local_counts[(name, label)] += amount


def counts(name: str, redis_url: str) -> dict[str, int]:
    if redis_url:
        raw = client_for(redis_url).hgetall(PREFIX + name)
        return {k.decode(): int(v) for k, v in raw.items()}
    with _lock:
        return {label: n for (counter, label), n in _local_counts.items() if counter == name}


def report(name: str, value: float, redis_url: str, worker: str | None = None) -> None:
    """This worker's current value of the gauge `name` (its open websockets)."""
    worker = worker or f"{os.uname().nodename}:{os.getpid()}"
    now = time.time()
    if redis_url:
        try:
            client_for(redis_url).hset(PREFIX + name, worker, f"{value}:{now}")
        except redis.RedisError as exc:
            log.warning("Could not report %s to Redis: %s", name, exc)
        return
    with _lock:
        _local_gauges[(name, worker)] = (value, now)


def gauge_total(name: str, redis_url: str, *, now: float | None = None) -> float:
    """The sum over the workers that reported lately (the others are gone)."""
    now = now or time.time()
    if redis_url:
        raw = client_for(redis_url).hgetall(PREFIX + name)
        values = [v.decode().split(":") for v in raw.values()]
        reported = [(float(value), float(at)) for value, at in values]
    else:
        with _lock:
            reported = [v for (gauge, _), v in _local_gauges.items() if gauge == name]
    return sum(value for value, at in reported if now - at <= GAUGE_FRESH_SECONDS)
