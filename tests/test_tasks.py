"""The background jobs keep running through failures, and one worker of all the app servers
runs each housekeeping round (services.operations.job_leases)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
import uuid

import pytest

from bookmyseat.server import tasks
from bookmyseat.services.operations.job_leases import give_up, lease_key, my_round
from bookmyseat.services.redis_clients import client_for
from bookmyseat.settings import load_settings, with_changes
from tests.databases import require_redis


def test_sweeper_repeats_and_survives_a_failing_sweep(monkeypatch) -> None:
    calls: list[int] = []

    def flaky_sweep() -> int:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database restarting")
        return 2

    monkeypatch.setattr(tasks, "expire_lapsed_holds", flaky_sweep)
    monkeypatch.setattr(tasks, "SWEEP_EVERY_SECONDS", 0.01)

    async def run_briefly() -> None:
        task = asyncio.create_task(tasks.sweep_lapsed_holds())
        await asyncio.sleep(0.2)
        task.cancel()

    asyncio.run(run_briefly())
    assert len(calls) >= 3


# --- one worker of all the servers does each housekeeping round ---------------------------------


def a_database() -> str:
    """A database address of this test's own: leases are per database."""
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/lease_{uuid.uuid4().hex}"


def test_one_worker_holds_a_round_and_another_takes_over_when_it_stops_asking() -> None:
    url, database = require_redis(), a_database()
    assert my_round("sweep", 30, url, database, worker="a")  # free: a takes it for a minute
    assert not my_round("sweep", 30, url, database, worker="b")
    assert my_round("sweep", 30, url, database, worker="a")  # a keeps it, round after round
    assert my_round("offers", 30, url, database, worker="b")  # each job a lease of its own
    assert my_round("sweep", 30, url, a_database(), worker="b")  # each database too
    assert my_round("short", 0.05, url, database, worker="a")  # kept 0.1 s after asking
    time.sleep(0.5)  # a has died: unasked, its lease lapses
    assert my_round("short", 0.05, url, database, worker="b")


def test_a_worker_gives_its_lease_up_and_only_its_own() -> None:
    url, database = require_redis(), a_database()
    assert my_round("sweep", 30, url, database, worker="a")
    give_up("sweep", url, database, worker="b")  # not b's to give
    assert not my_round("sweep", 30, url, database, worker="b")
    give_up("sweep", url, database, worker="a")
    assert my_round("sweep", 30, url, database, worker="b")


def test_of_workers_asking_at_once_exactly_one_has_the_round() -> None:
    url, database = require_redis(), a_database()
    start, answers = threading.Barrier(16), []

    def ask(worker: str) -> None:
        start.wait()
        answers.append((worker, my_round("sweep", 30, url, database, worker=worker)))

    threads = [threading.Thread(target=ask, args=(f"w{n}",)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [worker for worker, mine in answers if mine]
    assert len(answers) == 16 and len(winners) == 1
    assert my_round("sweep", 30, url, database, worker=winners[0])


def test_without_redis_or_with_it_away_every_worker_runs_the_job() -> None:
    assert my_round("sweep", 5, "", a_database(), worker="a")  # one worker: its own
    away = "redis://127.0.0.1:1/0"  # nothing listens: run it rather than nobody
    assert my_round("sweep", 5, away, a_database(), worker="a")
    assert my_round("sweep", 5, away, a_database(), worker="b")
    give_up("sweep", away, a_database(), worker="a")  # logged, not raised


@pytest.fixture
def shared(monkeypatch) -> tuple[str, str]:
    """This test's Redis and database, as the app's settings name them."""
    url, database = require_redis(), a_database()
    monkeypatch.setattr(tasks, "get_settings", lambda: with_changes(
        load_settings(), redis_url=url, database_url=database))  # fmt: skip
    return url, database


def test_a_worker_without_the_lease_skips_the_sweep_until_it_is_free(monkeypatch, shared):
    """Through the real loop: another worker holds the sweep, so this one leaves it alone; when
    that worker is gone, this one takes the sweep over, and gives it up when stopped."""
    url, database = shared
    sweeps: list[int] = []
    monkeypatch.setattr(tasks, "expire_lapsed_holds", lambda: sweeps.append(1) or 0)
    monkeypatch.setattr(tasks, "SWEEP_EVERY_SECONDS", 0.02)
    assert my_round(tasks.SWEEP, 30, url, database, worker="elsewhere")

    async def run_until(done, seconds: float) -> None:
        task = asyncio.create_task(tasks.sweep_lapsed_holds())
        deadline = time.monotonic() + seconds
        while not done() and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    asyncio.run(run_until(lambda: False, 0.3))
    assert sweeps == []  # the other worker's round
    client_for(url).delete(lease_key(tasks.SWEEP, database))  # that worker has gone
    asyncio.run(run_until(lambda: len(sweeps) >= 3, 10))
    assert len(sweeps) >= 3
    assert my_round(tasks.SWEEP, 30, url, database, worker="another")  # given up on stopping


def test_a_worker_whose_job_fails_lets_another_try_the_next_round(shared) -> None:
    url, database = shared

    def failing() -> int:
        raise RuntimeError("this worker's own trouble")

    with pytest.raises(RuntimeError):
        asyncio.run(tasks.leased_round(tasks.OFFERS, 30, failing))
    assert my_round(tasks.OFFERS, 30, url, database, worker="another")
    assert asyncio.run(tasks.leased_round(tasks.OFFERS, 30, lambda: 7)) is None  # not ours
