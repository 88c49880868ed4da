"""The state-lock leak work-around: a lock request cancelled while Redis is granting it is
handed back at once (it used to stay held for 10 s, stalling the tab's next page)."""

from __future__ import annotations

import asyncio

import pytest

from bookmyseat.server.patches import reflex_lock_fix


class SlowRedis:
    """Grants every SET NX after a moment, like a round trip to the server; records EVALs."""

    def __init__(self) -> None:
        self.evals: list[tuple] = []

    async def set(self, key, value, px, nx):
        await asyncio.sleep(0.05)
        return True

    async def eval(self, script, keys, *args):
        self.evals.append((keys, *args))
        return 1


class FakeManager:
    def __init__(self) -> None:
        self.redis = SlowRedis()
        self.lock_expiration = 10_000


async def cancelled_while_granting(try_get_lock) -> FakeManager:
    manager = FakeManager()
    attempt = asyncio.ensure_future(try_get_lock(manager, b"token_lock", b"event-1"))
    await asyncio.sleep(0.01)  # the SET is on its way
    attempt.cancel()
    with pytest.raises(asyncio.CancelledError):
        await attempt
    await asyncio.sleep(0.1)  # Redis answers: granted
    return manager


def test_a_lock_granted_to_a_cancelled_event_is_released_at_once() -> None:
    manager = asyncio.run(cancelled_while_granting(reflex_lock_fix._try_get_lock))
    assert manager.redis.evals == [(1, b"token_lock", b"event-1")]  # only if still ours


def test_without_the_fix_nobody_releases_it() -> None:
    manager = asyncio.run(cancelled_while_granting(reflex_lock_fix._original_try_get_lock))
    assert manager.redis.evals == []


def test_an_uncancelled_request_is_answered_as_before() -> None:
    async def ask() -> bool | None:
        return await reflex_lock_fix._try_get_lock(FakeManager(), b"token_lock", b"event-2")

    assert asyncio.run(ask()) is True
