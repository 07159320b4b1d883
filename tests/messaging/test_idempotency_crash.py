"""A consumer process killed mid-batch and restarted loses no message."""

from __future__ import annotations

import asyncio
import itertools
import signal
import subprocess
import sys
from typing import Any

import pytest
import redis.asyncio as redis

from huleedu_service_libs import EventEnvelope, KafkaBus
from tests.conftest import REPO_ROOT, clean_env
from tests.messaging._kafka import TANSU_OPTIONS

pytestmark = [pytest.mark.kafka, pytest.mark.redis]
EVENTS = 30


def _start_consumer(*argv: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.messaging._crash_consumer", *argv],
        cwd=REPO_ROOT,
        env=clean_env(),
        stdout=subprocess.DEVNULL,
    )


async def _wait_until(predicate: Any, worker: subprocess.Popen[bytes]) -> None:
    """Poll the worker's progress (there is no event to wait on) while it is alive."""
    async with asyncio.timeout(60):
        for _ in itertools.count():
            if await predicate():
                return
            assert worker.poll() is None, f"the consumer process exited with {worker.returncode}"
            await asyncio.sleep(0.05)


async def test_sigkill_mid_batch_then_restart_loses_nothing(
    kafka_bootstrap: str, redis_url: str, topic: str, namespace: str
) -> None:
    """Kill -9 the consumer after some events, start a new one: every event is handled (some
    possibly twice: at-least-once), none is lost to a stale claim or an uncommitted offset."""
    async with KafkaBus(
        client_id="crash", bootstrap_servers=kafka_bootstrap, **TANSU_OPTIONS
    ) as bus:
        sent = []
        for i in range(EVENTS):
            envelope = EventEnvelope(event_type="X", source_service="s", data={"i": i})
            await bus.publish(topic, envelope, key=str(i % 3))
            sent.append(str(envelope.event_id))
    out_key = f"{namespace}:handled"
    store = redis.Redis.from_url(redis_url)
    argv = (kafka_bootstrap, topic, redis_url, namespace, out_key)

    async def handled() -> set[str]:
        found = await store.lrange(out_key, 0, -1)
        return {v.decode() if isinstance(v, bytes) else v for v in found}

    async def some_handled() -> bool:
        return len(await handled()) >= 8

    async def all_handled() -> bool:
        return set(sent) <= await handled()

    first = _start_consumer(*argv)
    try:
        await _wait_until(some_handled, first)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        assert len(await handled()) < EVENTS  # killed mid-stream
        second = _start_consumer(*argv)
        try:
            await _wait_until(all_handled, second)
        finally:
            second.kill()
            second.wait(timeout=10)
        lost = set(sent) - await handled()
    finally:
        first.kill()
        await store.delete(out_key)
        await store.aclose()
    assert set() == lost
