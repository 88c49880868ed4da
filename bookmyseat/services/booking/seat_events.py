"""Tell open seat maps that a showtime's seats changed, across every backend worker.

The database stays the truth: a notice carries only a showtime id, and a seat map that hears it
reads the seats again. Writers mark the showtimes they touch on their session; the notice goes out
only after the transaction commits (a rolled-back hold announces nothing).

With Redis configured (several backend workers) the notice is published on a Redis channel that
every worker relays to its own viewers; without Redis there is one worker and it is told directly.
Viewers also re-read on a slow timer, so a lost notice costs seconds, never correctness.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Iterable

import redis.asyncio as aioredis
from sqlalchemy import event
from sqlalchemy.orm import Session

from bookmyseat.services.redis_clients import client_for
from bookmyseat.settings import get_settings

log = logging.getLogger("bookmyseat.seat_events")

CHANNEL = "bookmyseat:seat-changes"
_INFO_KEY = "bookmyseat_changed_showtimes"


def mark_changed(session: Session, showtime_id: int) -> None:
    """Announce `showtime_id` to the seat maps once this session's transaction commits."""
    session.info.setdefault(_INFO_KEY, set()).add(int(showtime_id))


@event.listens_for(Session, "after_commit")
def _announce_after_commit(session: Session) -> None:
    changed = session.info.pop(_INFO_KEY, None)
    if changed:
        publish(changed)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_INFO_KEY, None)


class SeatChangeHub:
    """This process's seat-map listeners: a version number per showtime, bumped on each notice.

    Notices may come from any thread (database work runs in worker threads); waiting happens on
    the event loop that first waits.
    """

    def __init__(self) -> None:
        self._versions: dict[int, int] = {}
        self._events: dict[int, asyncio.Event] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._guard = threading.Lock()
        self._any: asyncio.Event | None = None  # set by any notice (the broadcaster waits on it)

    def version(self, showtime_id: int) -> int:
        return self._versions.get(showtime_id, 0)

    def notify(self, showtime_ids: Iterable[int]) -> None:
        """Bump the showtimes' versions and wake their waiters (safe from any thread)."""
        ids = [int(s) for s in showtime_ids]
        loop = self._loop
        if loop is None or loop.is_closed():
            with self._guard:
                for showtime_id in ids:
                    self._versions[showtime_id] = self.version(showtime_id) + 1
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._bump(ids)
        else:
            loop.call_soon_threadsafe(self._bump, ids)

    def _bump(self, ids: list[int]) -> None:
        for showtime_id in ids:
            with self._guard:
                self._versions[showtime_id] = self.version(showtime_id) + 1
            waiting = self._events.pop(showtime_id, None)
            if waiting is not None:
                waiting.set()
        if self._any is not None:
            self._any.set()

    async def wait_any(self, timeout: float) -> None:
        """Wait until any showtime's seats change, or `timeout` runs out (compare `version`s
        afterwards to see which)."""
        self._loop = asyncio.get_running_loop()
        if self._any is None:
            self._any = asyncio.Event()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._any.wait(), timeout)
        self._any.clear()

    async def wait(self, showtime_id: int, seen: int, timeout: float) -> int:
        """Wait until the showtime's version passes `seen` or `timeout` runs out; the version."""
        self._loop = asyncio.get_running_loop()
        if self.version(showtime_id) != seen:
            return self.version(showtime_id)
        waiting = self._events.setdefault(showtime_id, asyncio.Event())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(waiting.wait(), timeout)
        return self.version(showtime_id)


hub = SeatChangeHub()


def _redis_url() -> str:
    return get_settings().redis_url


def publish(showtime_ids: Iterable[int]) -> None:
    """Send the notice: through Redis to every worker, or straight to this process's hub."""
    ids = sorted({int(s) for s in showtime_ids})
    url = _redis_url()
    if not url:
        hub.notify(ids)
        return
    try:
        client_for(url, timeout_seconds=2.0).publish(CHANNEL, ",".join(map(str, ids)))
    except Exception as exc:  # a lost notice is caught up by the viewers' timer
        log.warning("Could not publish seat changes for showtimes %s: %s", ids, exc)
        hub.notify(ids)


def parse_notice(data: bytes | str) -> list[int]:
    text = data.decode() if isinstance(data, bytes) else data
    return [int(part) for part in text.split(",") if part.strip().isdigit()]


async def relay_from_redis(url: str, *, retry_seconds: float = 2.0) -> None:
    """Forever: hand every notice published on Redis to this process's hub."""
    while True:
        client = aioredis.Redis.from_url(url)
        try:
            async with client.pubsub() as pubsub:
                await pubsub.subscribe(CHANNEL)
                async for message in pubsub.listen():
                    if message.get("type") == "message":
                        hub.notify(parse_notice(message["data"]))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # reconnect; viewers' timer covers the gap
            log.warning("Seat-change relay lost Redis (%s); retrying", exc)
        finally:
            await client.aclose()
        await asyncio.sleep(retry_seconds)
