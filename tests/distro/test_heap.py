"""Full collections stay short: the start-up heap is frozen once, after the loop starts."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator

import pytest

from huleedu_otel import TelemetrySettings
from huleedu_otel._setup.heap import HeapFreezer
from huleedu_otel._setup.runtime import EventLoopLagMonitor
from huleedu_otel.testing import TelemetryCapture


@pytest.fixture(autouse=True)
def _unfrozen() -> Iterator[None]:
    """Give the test process its collector back: other tests' objects must stay collectable."""
    yield
    gc.unfreeze()


async def _frozen(freezer: HeapFreezer) -> None:
    async with asyncio.timeout(10):
        while not freezer.frozen.is_set():  # noqa: ASYNC110 (a threading.Event, set by a timer)
            await asyncio.sleep(0.005)


async def test_the_heap_is_frozen_once_after_the_loop_started() -> None:
    freezer = HeapFreezer(delay=0.01)
    before = gc.get_freeze_count()

    freezer.loop_started(asyncio.get_running_loop())
    await _frozen(freezer)
    other = asyncio.new_event_loop()
    try:
        freezer.loop_started(other)
        scheduled_on_the_second_loop = len(other._scheduled)  # type: ignore[attr-defined]
    finally:
        other.close()

    assert gc.get_freeze_count() > before
    assert scheduled_on_the_second_loop == 0


def test_the_loop_monitor_tells_the_freezer_of_each_new_loop(otel: TelemetryCapture) -> None:
    """Every loop that starts running is reported, so the first one a service runs freezes."""
    started: list[asyncio.AbstractEventLoop] = []
    monitor = EventLoopLagMonitor(otel.meter_provider, on_loop_start=started.append)
    monitor.install()
    try:
        asyncio.run(asyncio.sleep(0))
        asyncio.run(asyncio.sleep(0))
    finally:
        monitor.uninstall()
    assert len(started) == 2
    assert started[0] is not started[1]


@pytest.mark.parametrize(("value", "expected"), [(None, True), ("false", False), ("0", False)])
def test_freezing_is_on_unless_switched_off(value: str | None, expected: bool) -> None:
    env = {} if value is None else {"HULEEDU_OTEL_GC_FREEZE": value}
    assert TelemetrySettings.from_env("svc", env=env).gc_freeze is expected
