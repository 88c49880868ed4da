"""One Redis client (with its connection pool) per address and process, shared by the services
that talk to Redis briefly: the figures for /metrics, seat-change notices, the job leases.
Short timeouts: Redis away must cost a request a second at most, never hang it."""

from __future__ import annotations

import threading

import redis

_clients: dict[tuple[str, float], redis.Redis] = {}
_lock = threading.Lock()


def client_for(url: str, timeout_seconds: float = 1.0) -> redis.Redis:
    with _lock:
        found = _clients.get((url, timeout_seconds))
        if found is None:
            found = _clients[(url, timeout_seconds)] = redis.Redis.from_url(
                url, socket_timeout=timeout_seconds, socket_connect_timeout=timeout_seconds
            )
        return found
