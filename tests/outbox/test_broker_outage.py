"""Broker outage: a test-owned tansu is killed while services keep writing events.

What must hold: requests keep committing (the outbox needs no broker), the pending rows rise
and the ``huleedu.outbox.pending`` gauge shows them, no row is failed by the outage, and after
the broker is back every event is published once, in each key's write order.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Iterator

import pytest

from huleedu_otel.testing import TelemetryCapture
from huleedu_service_libs import KafkaBus
from huleedu_service_libs.outbox import (
    EventRelayWorker,
    OutboxManager,
    OutboxSettings,
    PostgreSQLOutboxRepository,
)
from tests import _services
from tests.outbox._helpers import TopicReader, envelope, eventually

pytestmark = [pytest.mark.postgres, pytest.mark.kafka]

EVENTS, KEYS = 30, 3
SETTINGS = OutboxSettings(
    poll_interval_seconds=0.1,
    batch_size=10,
    max_retries=2,  # an outage must not use these up
    retry_backoff_seconds=0.05,
    error_retry_interval_seconds=0.2,
    backlog_refresh_seconds=0.0,
)


@pytest.fixture
def broker() -> Iterator[_services.ServerProcess]:
    process = _services.tansu().start()
    yield process
    process.stop()


async def test_pending_rows_rise_during_an_outage_and_all_go_out_after_it_in_key_order(
    broker: _services.ServerProcess,
    repository: PostgreSQLOutboxRepository,
    otel: TelemetryCapture,
) -> None:
    bootstrap, topic = f"127.0.0.1:{broker.port}", f"outage-{uuid.uuid4().hex[:12]}"
    destination = {"messaging.destination.name": topic}
    manager = OutboxManager(repository)
    async with KafkaBus(
        client_id="relay", bootstrap_servers=bootstrap, enable_idempotence=False,
        request_timeout_ms=500,
    ) as bus:  # fmt: skip
        relay = EventRelayWorker(repository, bus, SETTINGS, "test-service")
        await relay.start()
        try:
            broker.stop()
            for n in range(EVENTS):
                await manager.publish_to_outbox(
                    "essay", f"e-{n % KEYS}", "EssaySubmitted", envelope(n=n), topic,
                    f"key-{n % KEYS}",
                )  # fmt: skip

            async def gauge_shows_backlog() -> bool:
                return otel.metrics.value("huleedu.outbox.pending", **destination) == EVENTS

            await eventually(gauge_shows_backlog, what="pending gauge at the backlog")
            assert len(await repository.get_unpublished_events(limit=1000)) == EVENTS
            retried = otel.metrics.value("huleedu.outbox.events", outcome="retried")
            broker.start()
            async with TopicReader(bootstrap, topic) as reader:
                await reader.read(EVENTS, within=60.0)
                await reader.drain(0.5)

            async def gauge_back_to_zero() -> bool:
                return otel.metrics.value("huleedu.outbox.pending", **destination) == 0

            await eventually(gauge_back_to_zero, what="pending gauge back to 0")
        finally:
            await relay.stop()
    assert retried > 0  # the relay did try during the outage
    assert otel.metrics.value("huleedu.outbox.events", outcome="failed") == 0
    ids = [json.loads(record.value)["event_id"] for record in reader.records]
    assert len(set(ids)) == len(ids) == EVENTS
    by_key = defaultdict(list)
    for record in reader.records:
        by_key[record.key].append(json.loads(record.value)["data"]["n"])
    assert by_key == {f"key-{k}".encode(): list(range(k, EVENTS, KEYS)) for k in range(KEYS)}
