"""The background sweeper keeps running through failures."""

from __future__ import annotations

import asyncio

from bookmyseat import tasks


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
