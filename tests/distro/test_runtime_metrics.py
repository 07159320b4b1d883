"""Runtime metrics: the event loop's lag is sampled on every running loop."""

from __future__ import annotations

import asyncio
import time

from huleedu_otel._setup.runtime import LOOP_LAG_METRIC, EventLoopLagMonitor
from huleedu_otel.testing import TelemetryCapture


async def _samples(otel: TelemetryCapture, at_least: int) -> None:
    """Wait (up to 10 s) until the sampler has recorded ``at_least`` lag samples."""
    async with asyncio.timeout(10):
        while True:
            if otel.metrics.count(LOOP_LAG_METRIC) >= at_least:
                return
            await asyncio.sleep(0.005)


async def _block_the_loop(otel: TelemetryCapture, seconds: float) -> None:
    await _samples(otel, 1)  # the sampler runs on this loop
    time.sleep(seconds)  # noqa: ASYNC251 (a blocking call is what the metric must reveal)
    await _samples(otel, 2)  # the wake-up that was due during the block, late


def test_a_blocked_loop_shows_up_as_lag(otel: TelemetryCapture) -> None:
    """A loop started after install() is sampled; 0.3 s of blocking is recorded as lag."""
    monitor = EventLoopLagMonitor(otel.meter_provider, interval=0.05)
    monitor.install()
    try:
        asyncio.run(_block_the_loop(otel, 0.3))
    finally:
        monitor.uninstall()
    (point,) = otel.metrics.points(LOOP_LAG_METRIC)
    assert point.count >= 2
    assert 0.25 <= point.sum < 1.0


async def test_the_running_loop_is_sampled_at_install(otel: TelemetryCapture) -> None:
    """Configured from inside a running loop (configure() in an async main): sampled too."""
    monitor = EventLoopLagMonitor(otel.meter_provider, interval=0.02)
    monitor.install()
    try:
        await _samples(otel, 2)
    finally:
        monitor.uninstall()
    assert otel.metrics.count(LOOP_LAG_METRIC) >= 2


def test_uninstall_stops_sampling(otel: TelemetryCapture) -> None:
    monitor = EventLoopLagMonitor(otel.meter_provider, interval=0.01)
    monitor.install()
    monitor.uninstall()
    asyncio.run(asyncio.sleep(0.1))  # ten intervals pass: none may be sampled
    assert otel.metrics.count(LOOP_LAG_METRIC) == 0
