"""idempotent_consumer on real Redis: the seed's form, duplicates, failures, leases, outages."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import pytest
from opentelemetry import trace

from huleedu_otel.testing import TelemetryCapture
from huleedu_service_libs import (
    DuplicateInProgressError,
    EventEnvelope,
    IdempotencyStoreUnavailableError,
)
from huleedu_service_libs.idempotency import idempotent_batch_consumer, idempotent_consumer
from huleedu_service_libs.idempotency._claims import claim_key
from tests import _services
from tests.messaging._records import envelope_record
from tests.messaging._scripting_redis import ScriptingRedis

pytestmark = pytest.mark.redis


def _outcomes(otel: TelemetryCapture) -> dict[str, float]:
    outcomes = ("processed", "duplicate", "in_progress", "released", "store_unavailable")
    found = {o: otel.metrics.value("idempotency.messages", outcome=o) for o in outcomes}
    return {o: v for o, v in found.items() if v}


async def test_seed_form_runs_once_and_skips_the_duplicate(
    scripting_redis: ScriptingRedis, namespace: str, otel: TelemetryCapture
) -> None:
    """The seed's decorator on a plain function: the first delivery runs, the redelivery is
    skipped and counted, and each took two store round trips."""
    handled: list[str] = []

    @idempotent_consumer(redis_client=scripting_redis, ttl_seconds=86400, namespace=namespace)
    async def handle_essay_submitted(msg: Any) -> None:
        envelope = EventEnvelope[dict[str, Any]].model_validate_json(msg.value)
        handled.append(envelope.event_type)

    record = envelope_record()
    await handle_essay_submitted(record)
    await handle_essay_submitted(record)
    assert handled == ["ESSAY_SUBMITTED"]
    assert _outcomes(otel) == {"processed": 1, "duplicate": 1}
    assert scripting_redis.round_trips == 3  # claim + settle, then claim only
    assert otel.metrics.count("idempotency.store.duration") == 3


async def test_failed_handler_releases_the_claim_so_the_retry_runs(
    scripting_redis: ScriptingRedis, namespace: str, otel: TelemetryCapture
) -> None:
    """A handler error is re-raised and frees the key; the redelivery runs the handler again."""
    attempts: list[int] = []

    @idempotent_consumer(redis_client=scripting_redis, namespace=namespace)
    async def handle(msg: Any) -> None:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("transient")

    record = envelope_record()
    with pytest.raises(RuntimeError, match="transient"):
        await handle(record)
    await handle(record)
    assert len(attempts) == 2
    assert _outcomes(otel) == {"released": 1, "processed": 1}


async def test_duplicate_during_processing_raises_retryable_and_is_not_lost(
    scripting_redis: ScriptingRedis, namespace: str
) -> None:
    """While the first attempt runs, a duplicate raises DuplicateInProgressError (never runs
    concurrently); the first attempt then fails, and the duplicate's redelivery processes it."""
    running, finish = asyncio.Event(), asyncio.Event()
    completed: list[str] = []

    @idempotent_consumer(redis_client=scripting_redis, namespace=namespace)
    async def handle(msg: Any, attempt: str) -> None:
        if attempt == "first":
            running.set()
            await finish.wait()
            raise RuntimeError("first attempt fails")
        completed.append(attempt)

    record = envelope_record()
    first = asyncio.create_task(handle(record, "first"))
    await running.wait()
    with pytest.raises(DuplicateInProgressError) as raised:
        await handle(record, "duplicate")
    assert raised.value.retryable is True
    finish.set()
    with pytest.raises(RuntimeError):
        await first
    await handle(record, "redelivered duplicate")
    assert completed == ["redelivered duplicate"]


async def test_cancelled_handler_releases_the_claim(
    scripting_redis: ScriptingRedis, namespace: str
) -> None:
    """Cancellation counts as failure: the claim is released and the next delivery runs."""
    started = asyncio.Event()
    runs: list[str] = []

    @idempotent_consumer(redis_client=scripting_redis, namespace=namespace)
    async def handle(msg: Any, block: bool) -> None:
        runs.append("run")
        if block:
            started.set()
            await asyncio.Event().wait()

    record = envelope_record()
    task = asyncio.create_task(handle(record, True))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await handle(record, False)
    assert runs == ["run", "run"]


async def test_a_stale_attempt_cannot_release_a_claim_it_no_longer_owns(
    scripting_redis: ScriptingRedis, namespace: str
) -> None:
    """Attempt A's lease is lost (deleted, as a Redis failover may), B takes over and finishes;
    A's later failure must not free the key: a third delivery is a duplicate."""
    a_running, a_fail = asyncio.Event(), asyncio.Event()
    runs: list[str] = []

    @idempotent_consumer(redis_client=scripting_redis, namespace=namespace, lease_seconds=0.05)
    async def handle(msg: Any, who: str) -> None:
        runs.append(who)
        if who == "A":
            a_running.set()
            await a_fail.wait()
            raise RuntimeError("A fails late")

    record = envelope_record()
    a = asyncio.create_task(handle(record, "A"))
    await a_running.wait()
    await scripting_redis.client.delete(claim_key(namespace, record))  # A's lease is lost
    await handle(record, "B")
    a_fail.set()
    with pytest.raises(RuntimeError):
        await a
    await handle(record, "C")  # a duplicate now: skipped
    assert runs == ["A", "B"]


async def test_method_form_binds_the_decorator_in_init(
    scripting_redis: ScriptingRedis, namespace: str
) -> None:
    """The documented way for methods: decorate the bound method once the client exists."""

    class EventProcessor:
        def __init__(self, redis_client: ScriptingRedis) -> None:
            self.handled = 0
            self.process_message = idempotent_consumer(
                redis_client=redis_client, namespace=namespace
            )(self._process_message)

        async def _process_message(self, msg: Any) -> int:
            self.handled += 1
            return self.handled

    processor = EventProcessor(scripting_redis)
    record = envelope_record()
    assert await processor.process_message(record) == 1
    assert await processor.process_message(record) is None
    assert processor.handled == 1


async def test_handler_runs_inside_the_messages_process_span(
    scripting_redis: ScriptingRedis, namespace: str, otel: TelemetryCapture
) -> None:
    """Without the instrumentor, the decorator opens the record's process span itself, and it
    continues the producer's trace from the record headers."""
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    headers = (("traceparent", f"00-{trace_id}-00f067aa0ba902b7-01".encode()),)
    seen: list[str] = []

    @idempotent_consumer(redis_client=scripting_redis, namespace=namespace)
    async def handle(msg: Any) -> None:
        seen.append(f"{trace.get_current_span().get_span_context().trace_id:032x}")

    await handle(envelope_record(headers=headers))
    assert [trace_id] == seen
    assert len(otel.spans("process essays")) == 1


async def test_batch_claims_and_settles_in_two_round_trips(
    scripting_redis: ScriptingRedis, namespace: str, otel: TelemetryCapture
) -> None:
    """A batch of 10 with one duplicate inside: 9 handled, two store round trips in all; the
    whole batch redelivered is all duplicates, in one more round trip."""
    handled: list[int] = []

    @idempotent_batch_consumer(redis_client=scripting_redis, namespace=namespace)
    async def handle(msg: Any) -> None:
        handled.append(msg.offset)

    records = [envelope_record(offset=i) for i in range(9)]
    batch = [*records, records[3]]
    await handle(batch)
    assert scripting_redis.round_trips == 2
    await handle(batch)
    assert (list(range(9)), 3) == (handled, scripting_redis.round_trips)
    assert _outcomes(otel) == {"processed": 9, "duplicate": 11}
    assert len(otel.spans("process essays")) == 9


async def test_batch_with_a_record_in_progress_elsewhere_runs_the_rest_then_raises(
    scripting_redis: ScriptingRedis, namespace: str
) -> None:
    """A record held by another attempt is not run and not lost: the others run, then the batch
    raises DuplicateInProgressError so it is redelivered."""
    hold, release = asyncio.Event(), asyncio.Event()
    handled: list[int] = []

    @idempotent_batch_consumer(redis_client=scripting_redis, namespace=namespace)
    async def handle(msg: Any) -> None:
        if msg.offset == 100:
            hold.set()
            await release.wait()
        handled.append(msg.offset)

    records = [envelope_record(offset=i) for i in range(3)]
    # the same event as records[1], delivered elsewhere at another offset
    other = asyncio.create_task(handle([dataclasses.replace(records[1], offset=100)]))
    await hold.wait()
    with pytest.raises(DuplicateInProgressError):
        await handle(records)
    release.set()
    await other
    assert handled == [0, 2, 100]


@pytest.fixture
async def outage_redis() -> Any:
    server = _services.redis_server().start()
    client = await ScriptingRedis(f"redis://127.0.0.1:{server.port}/0").start()
    yield server, client
    await client.close()
    server.stop()


async def test_store_outage_fails_open_by_default(
    outage_redis: Any, namespace: str, otel: TelemetryCapture
) -> None:
    """Redis down: the handler still runs, and the outage is counted."""
    server, client = outage_redis
    server.stop()
    runs: list[int] = []

    @idempotent_consumer(redis_client=client, namespace=namespace)
    async def handle(msg: Any) -> None:
        runs.append(1)

    await handle(envelope_record())
    await handle(envelope_record())
    assert len(runs) == 2
    assert _outcomes(otel) == {"store_unavailable": 2}


async def test_store_outage_fails_closed_when_configured(outage_redis: Any, namespace: str) -> None:
    """Redis down with fail_open=False: a typed error, and the handler does not run."""
    server, client = outage_redis
    server.stop()
    runs: list[int] = []

    @idempotent_consumer(redis_client=client, namespace=namespace, fail_open=False)
    async def handle(msg: Any) -> None:
        runs.append(1)

    with pytest.raises(IdempotencyStoreUnavailableError):
        await handle(envelope_record())
    assert runs == []
