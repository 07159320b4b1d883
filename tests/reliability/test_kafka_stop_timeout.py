"""``KafkaBus.stop(timeout=...)`` during an outage: a frozen broker cannot hang shutdown.

A test-owned tansu is frozen (SIGSTOP: connections stay open, nothing answers) while records
are in flight. aiokafka's own ``stop()`` would wait for them until the delivery timeout (30 s
here) or, with the idempotent producer, for as long as the outage lasts. What must hold:
``stop(timeout=1)`` returns within about a second, the records it gave up on are counted and
logged, and their publishers get ``KafkaPublishError`` instead of waiting.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator

import pytest
from dishka import make_async_container
from sqlalchemy.ext.asyncio import create_async_engine

from huleedu_service_libs import EventEnvelope, HuleEduApp, KafkaBus, KafkaPublishError
from tests import _services

pytestmark = pytest.mark.kafka

#: What a loaded 2-core machine may add to the 1 s bound (a hang check, not a benchmark).
SLACK_SECONDS = 0.5


@pytest.fixture
def broker() -> Iterator[_services.ServerProcess]:
    process = _services.tansu().start()
    yield process
    process.thaw()
    process.stop()


async def test_stop_with_a_timeout_returns_in_time_during_an_outage(
    broker: _services.ServerProcess, caplog: pytest.LogCaptureFixture
) -> None:
    bus = KafkaBus(
        client_id="stopping", bootstrap_servers=f"127.0.0.1:{broker.port}",
        enable_idempotence=False,
    )  # fmt: skip
    await bus.start()
    envelope = EventEnvelope(event_type="E", source_service="s", data={"n": 1})
    await bus.publish("stop-timeout", envelope)  # the topic exists, metadata is known
    broker.freeze()
    in_flight = [asyncio.create_task(bus.publish("stop-timeout", envelope)) for _ in range(5)]
    await asyncio.sleep(0)  # let them hand their records to the producer
    caplog.set_level(logging.ERROR, logger="huleedu_service_libs.kafka")
    started = time.monotonic()
    await bus.stop(timeout=1)
    elapsed = time.monotonic() - started
    assert elapsed < 1 + SLACK_SECONDS
    assert bus.unacknowledged_at_stop == 5
    assert "5 records the broker never acknowledged" in caplog.text
    results = await asyncio.gather(*in_flight, return_exceptions=True)
    assert all(isinstance(result, KafkaPublishError) for result in results)


async def test_stop_flushes_everything_when_the_broker_answers(
    broker: _services.ServerProcess,
) -> None:
    async with KafkaBus(
        client_id="stopping", bootstrap_servers=f"127.0.0.1:{broker.port}",
        enable_idempotence=False,
    ) as bus:  # fmt: skip
        envelope = EventEnvelope(event_type="E", source_service="s", data={"n": 1})
        await bus.publish("stop-flush", envelope)
    assert bus.unacknowledged_at_stop == 0


async def test_huleedu_app_shutdown_stops_its_kafka_bus_within_the_configured_timeout(
    broker: _services.ServerProcess,
) -> None:
    """``HuleEduApp`` stops ``app.kafka_bus`` with ``KAFKA_STOP_TIMEOUT``: a frozen broker
    cannot hang the pod's shutdown until it is killed."""
    app = HuleEduApp(__name__)
    app.config["KAFKA_STOP_TIMEOUT"] = 1
    app.database_engine = create_async_engine("sqlite+aiosqlite://")
    app.container = make_async_container()
    app.kafka_bus = KafkaBus(
        client_id="app", bootstrap_servers=f"127.0.0.1:{broker.port}", enable_idempotence=False
    )
    await app.kafka_bus.start()
    envelope = EventEnvelope(event_type="E", source_service="s", data={"n": 1})
    await app.kafka_bus.publish("stop-app", envelope)
    async with app.test_app():
        broker.freeze()
        in_flight = asyncio.create_task(app.kafka_bus.publish("stop-app", envelope))
        await asyncio.sleep(0)
        started = time.monotonic()
    assert time.monotonic() - started < 1 + SLACK_SECONDS
    assert app.kafka_bus.unacknowledged_at_stop == 1
    assert isinstance(
        (await asyncio.gather(in_flight, return_exceptions=True))[0], KafkaPublishError
    )
