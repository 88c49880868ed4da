"""Work around a Reflex 0.10.1 state-lock leak (remove when Reflex fixes it).

`StateManagerRedis._lock` only enters its try/finally (which releases the lock with GETDEL) after
`_wait_lock` returns. When the event's task is cancelled while the `SET <token>_lock <id> NX PX`
is in flight -- Reflex cancels a tab's unfinished on_load chain when its socket disconnects, i.e.
on every full page load -- Redis still grants the lock, but nobody releases it: the next page's
hydrate for the same tab waits `redis_lock_expiration` (10 s) for it to expire.

Here the SET finishes in its own task, shielded from the caller's cancellation; if it got the
lock for a caller that has gone, the lock is handed back at once (only if it is still ours).

Written against Reflex `WRITTEN_FOR`; `install` refuses any other version
(bookmyseat.server.patches).
"""

from __future__ import annotations

import asyncio
import logging

from reflex.istate.manager.redis import StateManagerRedis

from bookmyseat.server.patches import refuse_unless_written_for

logger = logging.getLogger(__name__)

WRITTEN_FOR = "0.10.1"  # reflex
UPSTREAM_ISSUE = (
    "no upstream issue filed; the leak is StateManagerRedis._lock entering its try/finally only "
    "after _wait_lock returns"
)

_RELEASE_IF_OURS = (
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"
)
_releases: set[asyncio.Task] = set()  # keep the clean-up tasks referenced until they finish
_original_try_get_lock = StateManagerRedis._try_get_lock


async def _try_get_lock(self: StateManagerRedis, lock_key: bytes, lock_id: bytes) -> bool | None:
    attempt = asyncio.ensure_future(_original_try_get_lock(self, lock_key, lock_id))
    try:
        return await asyncio.shield(attempt)
    except asyncio.CancelledError:

        def release_if_granted(done: asyncio.Future) -> None:
            if done.cancelled() or done.exception() is not None or not done.result():
                return
            logger.warning("Releasing state lock %r taken for a cancelled event", lock_id)
            task = asyncio.ensure_future(self.redis.eval(_RELEASE_IF_OURS, 1, lock_key, lock_id))
            _releases.add(task)
            task.add_done_callback(_releases.discard)

        attempt.add_done_callback(release_if_granted)
        raise


def install() -> None:
    refuse_unless_written_for(__name__, "reflex", WRITTEN_FOR, UPSTREAM_ISSUE)
    if StateManagerRedis._try_get_lock is not _try_get_lock:
        StateManagerRedis._try_get_lock = _try_get_lock
