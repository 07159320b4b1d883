"""The idempotent consumer's logic against a fake store at its port (no Redis, a fake clock)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest

from huleedu_otel.testing import TelemetryCapture
from huleedu_service_libs import (
    DuplicateInProgressError,
    IdempotencyStoreUnavailableError,
    idempotent_batch_consumer,
    idempotent_consumer,
)
from huleedu_service_libs.event_utils import generate_deterministic_event_id
from tests.messaging._fake_store import FakeIdempotencyStore
from tests.messaging._records import envelope_record


@pytest.fixture
def store() -> FakeIdempotencyStore:
    return FakeIdempotencyStore()


async def test_one_message_costs_one_claim_and_one_settle(store: FakeIdempotencyStore) -> None:
    """Per message: two store round trips, and the key ends done."""

    @idempotent_consumer(store=store)
    async def handle(msg: Any) -> str:
        return "ok"

    assert await handle(envelope_record()) == "ok"
    assert (store.calls, store.state_values()) == (["claim", "settle"], ["d"])


async def test_done_marker_expires_after_the_ttl(store: FakeIdempotencyStore) -> None:
    """Within ttl_seconds a redelivery is skipped; after it, the event counts as new again."""
    runs: list[int] = []

    @idempotent_consumer(store=store, ttl_seconds=10)
    async def handle(msg: Any) -> None:
        runs.append(1)

    record = envelope_record()
    await handle(record)
    store.now = 9.0
    await handle(record)
    store.now = 11.0
    await handle(record)
    assert len(runs) == 2


async def test_an_expired_lease_lets_another_attempt_take_over(store: FakeIdempotencyStore) -> None:
    """A crashed worker's lease lapses after lease_seconds: before that, duplicates raise."""
    record = envelope_record()
    key = f"huleedu:idempotency:{{ns}}:{generate_deterministic_event_id(record.value)}"
    await store.claim([key], "dead-worker", 5000)

    @idempotent_consumer(store=store, namespace="ns", lease_seconds=5)
    async def handle(msg: Any) -> str:
        return "ran"

    with pytest.raises(DuplicateInProgressError):
        await handle(record)
    store.now = 6.0
    assert await handle(record) == "ran"


async def test_batch_failure_releases_the_rest_in_the_same_settle(
    store: FakeIdempotencyStore, otel: TelemetryCapture
) -> None:
    """Record 2 of 4 fails: 0 and 1 are done, 2 and 3 released, all in one settle; the
    redelivery runs only 2 and 3."""
    handled: list[int] = []
    failing = {2}

    @idempotent_batch_consumer(store=store)
    async def handle(msg: Any) -> None:
        if msg.offset in failing:
            failing.clear()
            raise RuntimeError("record 2 fails once")
        handled.append(msg.offset)

    batch = [envelope_record(offset=i) for i in range(4)]
    with pytest.raises(RuntimeError):
        await handle(batch)
    assert store.calls == ["claim", "settle"]
    await handle(batch)
    assert handled == [0, 1, 2, 3]
    assert otel.metrics.value("idempotency.messages", outcome="released") == 2


async def test_fail_open_batch_runs_every_record(
    store: FakeIdempotencyStore, otel: TelemetryCapture
) -> None:
    """Store down, fail-open: the whole batch runs and each record counts as store_unavailable."""
    store.down = True
    handled: list[int] = []

    @idempotent_batch_consumer(store=store)
    async def handle(msg: Any) -> None:
        handled.append(msg.offset)

    await handle([envelope_record(offset=i) for i in range(3)])
    assert handled == [0, 1, 2]
    assert otel.metrics.value("idempotency.messages", outcome="store_unavailable") == 3


async def test_fail_closed_batch_runs_nothing(store: FakeIdempotencyStore) -> None:
    """Store down, fail-closed: a typed error before any record runs."""
    store.down = True
    handled: list[int] = []

    @idempotent_batch_consumer(store=store, fail_open=False)
    async def handle(msg: Any) -> None:
        handled.append(msg.offset)

    with pytest.raises(IdempotencyStoreUnavailableError):
        await handle([envelope_record()])
    assert handled == []


async def test_store_lost_after_the_handler_ran_keeps_the_result(
    store: FakeIdempotencyStore,
) -> None:
    """The store fails between claim and settle: the handler's result is returned, not an error
    (the event may run again after the lease lapses: at-least-once)."""

    @idempotent_consumer(store=store, fail_open=False)
    async def handle(msg: Any) -> str:
        store.down = True
        return "done"

    assert await handle(envelope_record()) == "done"


def test_a_consumer_needs_a_client_or_a_store() -> None:
    with pytest.raises(TypeError):
        idempotent_consumer()


class _CancellationLosingStore(FakeIdempotencyStore):
    """A store whose renewal returns normally when cancelled mid-call, as redis-py can."""

    def __init__(self) -> None:
        super().__init__()
        self.renewing = asyncio.Event()
        self.cancellations_lost = 0

    async def renew(self, keys: Sequence[str], owner: str, lease_ms: int) -> list[str]:
        self.renewing.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.cancellations_lost += 1
        return await super().renew(keys, owner, lease_ms)


async def test_the_handler_returns_even_when_a_renewal_loses_its_cancellation() -> None:
    """The keeper is told to stop as well as cancelled: after the renewal in flight it ends,
    instead of renewing on forever while the handler's exit waits for it."""
    store = _CancellationLosingStore()

    @idempotent_consumer(store=store, lease_seconds=0.03)
    async def handle(msg: Any) -> str:
        await store.renewing.wait()
        return "ok"

    assert await asyncio.wait_for(handle(envelope_record()), timeout=10) == "ok"
    assert store.cancellations_lost == 1
    assert store.state_values() == ["d"]
