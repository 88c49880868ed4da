"""The background jobs keep running through failures, and one worker of all the app servers
runs each housekeeping round (services.operations.job_leases)."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid

from bookmyseat import tasks
from bookmyseat.services.operations.job_leases import my_round
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
    assert my_round("sweep", 0.2, url, database, worker="a")  # free: a takes it for 0.4 s
    assert not my_round("sweep", 0.2, url, database, worker="b")
    assert my_round("sweep", 0.2, url, database, worker="a")  # a keeps it, round after round
    assert my_round("offers", 0.2, url, database, worker="b")  # each job a lease of its own
    assert my_round("sweep", 0.2, url, a_database(), worker="b")  # each database too
    time.sleep(0.5)  # a has died: after two rounds unasked its lease is gone
    assert my_round("sweep", 0.2, url, database, worker="b")
    assert not my_round("sweep", 0.2, url, database, worker="a")


def test_of_workers_asking_at_once_exactly_one_has_the_round() -> None:
    url, database = require_redis(), a_database()
    start, answers = threading.Barrier(16), []

    def ask(worker: str) -> None:
        start.wait()
        answers.append((worker, my_round("sweep", 5, url, database, worker=worker)))

    threads = [threading.Thread(target=ask, args=(f"w{n}",)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [worker for worker, mine in answers if mine]
    assert len(answers) == 16 and len(winners) == 1
    assert my_round("sweep", 5, url, database, worker=winners[0])


def test_without_redis_or_with_it_away_every_worker_runs_the_job() -> None:
    assert my_round("sweep", 5, "", a_database(), worker="a")  # one worker: its own
    away = "redis://127.0.0.1:1/0"  # nothing listens: run it rather than nobody
    assert my_round("sweep", 5, away, a_database(), worker="a")
    assert my_round("sweep", 5, away, a_database(), worker="b")


def test_a_worker_without_the_lease_skips_the_sweep_until_it_is_free(monkeypatch) -> None:
    """Through the real loop: another worker holds the sweep, so this one leaves it alone; when
    that worker stops asking, this one takes the sweep over."""
    url, database = require_redis(), a_database()
    sweeps: list[int] = []
    monkeypatch.setattr(tasks, "expire_lapsed_holds", lambda: sweeps.append(1) or 0)
    monkeypatch.setattr(tasks, "SWEEP_EVERY_SECONDS", 0.05)
    monkeypatch.setattr(tasks, "get_settings", lambda: with_changes(
        load_settings(), redis_url=url, database_url=database))  # fmt: skip
    assert my_round("expire-lapsed-holds", 0.3, url, database, worker="elsewhere")  # 0.6 s

    async def run_for(seconds: float) -> None:
        task = asyncio.create_task(tasks.sweep_lapsed_holds())
        await asyncio.sleep(seconds)
        task.cancel()

    asyncio.run(run_for(0.3))
    assert sweeps == []  # the other worker's round
    asyncio.run(run_for(1.2))  # its lease lapses 0.6 s after it last asked
    assert len(sweeps) >= 3
