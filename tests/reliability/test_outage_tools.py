"""The outage tests' own instruments, checked so that their silence means something."""

from __future__ import annotations

import asyncio

from tests.reliability._loop_errors import loop_errors_reported
from tests.reliability._outage_load import OutageLoad, failed, succeeded


async def test_the_collector_reports_a_task_exception_nobody_retrieved() -> None:
    """A task that failed and was dropped unawaited shows up, so an empty list is evidence."""

    async def fails() -> None:
        raise RuntimeError("lost")

    with loop_errors_reported() as reported:
        task = asyncio.create_task(fails())
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        assert task.done()
        del task
    assert len(reported) == 1
    assert "Task exception was never retrieved" in reported[0]


async def test_the_load_records_every_call_with_its_outcome() -> None:
    """Each call is kept with its task and error; stopping waits for the calls in flight."""

    async def every_third_fails(n: int) -> None:
        await asyncio.sleep(0)
        if n % 3 == 0:
            raise ValueError(n)

    async with OutageLoad(every_third_fails, tasks=4, pause_after_error=0) as load:
        await load.until(lambda: len(load.calls) >= 30)
    assert {call.task for call in load.calls} == {0, 1, 2, 3}
    assert all(isinstance(call.error, ValueError) for call in failed(load.calls))
    assert len(failed(load.calls)) + len(succeeded(load.calls)) == len(load.calls)
    assert len(failed(load.calls)) >= 10
