"""The relay's rules: retries with backoff, poisoned rows failed after their retries without
blocking the rest, each key's order kept with two relays racing, and its metrics."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict

import pytest

from huleedu_otel.testing import TelemetryCapture
from huleedu_service_libs import KafkaBus
from huleedu_service_libs.outbox import (
    EventRelayWorker,
    OutboxManager,
    OutboxSettings,
    PostgreSQLOutboxRepository,
)
from tests.outbox._helpers import TopicReader, envelope, eventually

pytestmark = [pytest.mark.postgres, pytest.mark.kafka]

FAST = OutboxSettings(
    poll_interval_seconds=0.05,
    batch_size=20,
    max_retries=3,
    retry_backoff_seconds=0.02,
    error_retry_interval_seconds=0.2,
    backlog_refresh_seconds=0.0,
)


async def test_a_poisoned_row_fails_after_its_retries_and_the_rest_go_through(
    repository: PostgreSQLOutboxRepository, bus: KafkaBus, topic: str, kafka_bootstrap: str
) -> None:
    """A row that can never be published (not an envelope) is tried ``max_retries`` times,
    then marked failed; rows of other keys are published meanwhile, and the rows of its own
    key wait for it, then follow in order."""
    manager = OutboxManager(repository)
    poisoned = await repository.add_event(
        "essay", "e-0", "Broken", {"not": "an envelope"}, topic, "k"
    )
    for n in range(3):
        await manager.publish_to_outbox("essay", "e-1", "EssaySubmitted", envelope(n=n), topic, "k")
        await manager.publish_to_outbox("essay", "e-2", "EssaySubmitted", envelope(n=n), topic, "o")
    relay = EventRelayWorker(repository, bus, FAST, "test-service")
    await relay.start()
    try:
        async with TopicReader(kafka_bootstrap, topic) as reader:
            await reader.read(6)
            await reader.drain(0.3)
    finally:
        await relay.stop()
    row = await repository.get_event_by_id(poisoned)
    assert row is not None
    assert row.failed_at is not None
    assert row.published_at is None
    assert row.retry_count == 3
    assert row.last_error is not None
    assert "ValidationError" in row.last_error
    by_key = defaultdict(list)
    for record in reader.records:
        by_key[record.key].append(json.loads(record.value)["data"]["n"])
    assert by_key == {b"k": [0, 1, 2], b"o": [0, 1, 2]}
    assert list(await repository.get_unpublished_events()) == []


async def test_two_relays_publish_every_row_once_in_each_keys_order(
    repository: PostgreSQLOutboxRepository,
    kafka_bootstrap: str,
    bus: KafkaBus,
    topic: str,
) -> None:
    """Two replicas claim concurrently (``SKIP LOCKED``): no row is published twice, no row is
    lost, and within a key the records arrive in write order."""
    manager = OutboxManager(repository)
    keys, per_key = 8, 25
    settings = OutboxSettings(poll_interval_seconds=0.02, batch_size=16)
    async with KafkaBus(
        client_id="relay-b", bootstrap_servers=kafka_bootstrap, enable_idempotence=False
    ) as other_bus:
        relays = [
            EventRelayWorker(repository, bus, settings, "replica-a"),
            EventRelayWorker(repository, other_bus, settings, "replica-b"),
        ]
        await asyncio.gather(*(relay.start() for relay in relays))
        try:
            for n in range(per_key):
                for key in range(keys):
                    await manager.publish_to_outbox(
                        "essay", f"e-{key}", "EssaySubmitted", envelope(n=n), topic, f"key-{key}"
                    )
            async with TopicReader(kafka_bootstrap, topic) as reader:
                await reader.read(keys * per_key, within=60.0)
                await reader.drain(0.5)
        finally:
            await asyncio.gather(*(relay.stop() for relay in relays))
    ids = [json.loads(record.value)["event_id"] for record in reader.records]
    assert len(ids) == len(set(ids)) == keys * per_key
    by_key = defaultdict(list)
    for record in reader.records:
        by_key[record.key].append(json.loads(record.value)["data"]["n"])
    assert all(order == list(range(per_key)) for order in by_key.values())


async def test_the_relay_reports_published_events_and_their_delay(
    repository: PostgreSQLOutboxRepository, bus: KafkaBus, topic: str, otel: TelemetryCapture
) -> None:
    manager = OutboxManager(repository)
    for n in range(3):
        await manager.publish_to_outbox("essay", "e-1", "EssaySubmitted", envelope(n=n), topic)
    relay = EventRelayWorker(repository, bus, FAST, "test-service")
    await relay.start()
    try:

        async def all_published() -> bool:
            return not await repository.get_unpublished_events()

        await eventually(all_published, what="all rows published")
    finally:
        await relay.stop()
    published = otel.metrics.value("huleedu.outbox.events", outcome="published", **_dest(topic))
    assert published == 3
    assert otel.metrics.count("huleedu.outbox.delay", **_dest(topic)) == 3


def _dest(topic: str) -> dict[str, str]:
    return {"messaging.destination.name": topic}


async def test_a_claim_never_skips_over_a_row_another_relay_holds(
    repository: PostgreSQLOutboxRepository, topic: str
) -> None:
    """``SKIP LOCKED`` hands a relay rows 0 and 2 of a key while another holds row 1 (the mix a
    killed relay leaves behind): the claim keeps row 0 only, so row 2 cannot overtake row 1."""
    from sqlalchemy import select

    ids = [await repository.add_event("essay", "e", "E", {"n": n}, topic, "k") for n in range(3)]
    table = repository.table
    async with repository.transaction() as other:  # another relay holding row 1
        await other.execute(select(table.c.id).where(table.c.id == ids[1]).with_for_update())
        async with repository.claim_batch(10) as batch:
            assert [event.id for event in batch.events] == [ids[0]]
