"""Kafka broker outage: a test-owned tansu killed while publishes are in flight, then restarted.

What must hold: every publish made while the broker is gone fails within its delivery timeout
(``request_timeout_ms``) with ``KafkaPublishError``, nothing hangs and no task is left with an
exception nobody retrieved; the producer span of each failure carries ``error.type``. After a
restart on the same port the same ``KafkaBus`` publishes again (aiokafka reconnects by itself:
the bus needs no restart) and a consumer that ran through the outage resumes.

tansu keeps its log in memory, so a restart empties it: the tests create the topic again, as
a durable broker would still have it.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan

from huleedu_otel.testing import TelemetryCapture
from huleedu_service_libs import (
    EventEnvelope,
    KafkaBus,
    KafkaPublishError,
    KafkaUnavailableError,
)
from tests import _services
from tests.reliability._loop_errors import loop_errors_reported
from tests.reliability._outage_load import (
    OutageLoad,
    eventually,
    failed,
    figures,
    report,
    succeeded,
    tasks_of,
)

pytestmark = pytest.mark.kafka

DELIVERY_TIMEOUT_SECONDS = 1.5
#: The slack a loaded machine may add to the delivery timeout (a hang check, not a benchmark).
SLACK_SECONDS = 2.0
TASKS = 10
PUBLISH_ERROR = "huleedu_service_libs.errors.KafkaPublishError"


@pytest.fixture
def broker() -> Iterator[_services.ServerProcess]:
    process = _services.tansu().start()
    yield process
    process.stop()


@pytest.fixture
def bootstrap(broker: _services.ServerProcess) -> str:
    return f"127.0.0.1:{broker.port}"


@pytest.fixture
async def topic(bootstrap: str) -> str:
    name = f"outage-{uuid.uuid4().hex[:12]}"
    await _create_topic(bootstrap, name)
    return name


@pytest.fixture
async def bus(bootstrap: str) -> AsyncIterator[KafkaBus]:
    bus = KafkaBus(
        client_id="outage",
        bootstrap_servers=bootstrap,
        enable_idempotence=False,  # tansu lacks the idempotent producer
        request_timeout_ms=int(DELIVERY_TIMEOUT_SECONDS * 1000),
    )
    await bus.start()
    yield bus
    async with asyncio.timeout(DELIVERY_TIMEOUT_SECONDS + SLACK_SECONDS):
        await bus.stop()


async def _create_topic(bootstrap: str, name: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, num_partitions=1, replication_factor=1)])
    finally:
        await admin.close()


def _envelope(label: str) -> EventEnvelope[dict[str, str]]:
    return EventEnvelope(event_type="OUTAGE_TEST", source_service="outage", data={"label": label})


async def test_publishes_in_flight_when_the_broker_dies_fail_typed_within_the_delivery_timeout(
    broker: _services.ServerProcess,
    bus: KafkaBus,
    topic: str,
    otel: TelemetryCapture,
    request: pytest.FixtureRequest,
) -> None:
    """10 tasks publish in a loop; the broker hangs (SIGSTOP) until every task has a publish
    waiting for its acknowledgement, then is killed.

    Every publish that did not get its acknowledgement raises KafkaPublishError (its cause an
    aiokafka error or the delivery timeout) within the delivery timeout, in every task: the ten
    caught in flight and all those after. The load stops without a hang and the loop reports no
    unretrieved task exception. Each failure has its ``send`` span with ``error.type``, and is
    counted in the metrics.
    """
    with loop_errors_reported() as loop_errors:
        async with OutageLoad(lambda n: bus.publish(topic, _envelope(str(n))), tasks=TASKS) as load:
            await load.until(lambda: len(succeeded(load.calls)) >= 50)
            broker.freeze()
            await load.until(lambda: load.all_waiting(seconds=0.2))
            killed = time.monotonic()
            broker.stop()
            await load.until(lambda: tasks_of(failed(load.between(killed))) == set(range(TASKS)))
    assert loop_errors == []
    in_flight = [call for call in load.calls if call.started < killed < call.ended]
    assert len(failed(in_flight)) == TASKS
    assert succeeded(load.between(killed)) == []
    for call in failed(load.calls):
        assert isinstance(call.error, KafkaPublishError)
        assert isinstance(call.error.__cause__, KafkaError | TimeoutError)
        assert call.seconds < DELIVERY_TIMEOUT_SECONDS + SLACK_SECONDS
    failures = len(failed(load.calls))
    error_types = [dict(s.attributes or {}).get("error.type") for s in otel.spans(f"send {topic}")]
    assert [PUBLISH_ERROR] * failures == [t for t in error_types if t is not None]
    sent = otel.metrics.value("messaging.client.sent.messages", **{"error.type": PUBLISH_ERROR})
    assert failures == sent
    report(request, in_flight_at_kill=figures(in_flight),
           time_to_error=figures(failed(load.calls)))  # fmt: skip


class RunningConsumer:
    """An instrumented ``AIOKafkaConsumer`` reading ``topic`` in a task, through any outage."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.consumer = AIOKafkaConsumer(
            topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", retry_backoff_ms=50
        )
        self.labels: list[str] = []
        #: each label's ``process`` span id, as current while the loop body handled it
        self.process_span_ids: dict[str, int] = {}
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> RunningConsumer:
        await self.consumer.start()
        self._task = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self.consumer.stop()

    async def _read(self) -> None:
        async for record in self.consumer:
            label = EventEnvelope[dict[str, str]].model_validate_json(record.value).data["label"]
            self.labels.append(label)
            self.process_span_ids[label] = trace.get_current_span().get_span_context().span_id

    async def received(self, labels: list[str], within: float = 20.0) -> None:
        """Wait until all ``labels`` arrived; a consumer loop that died raises its error here."""
        assert self._task is not None
        reading = self._task
        await eventually(lambda: reading.done() or set(labels) <= set(self.labels), within)
        if reading.done():
            reading.result()


async def _refill(bus: KafkaBus, topic: str, count: int) -> None:
    """Publish ``count`` events into the emptied log; the first is retried until acknowledged
    (tansu may refuse the first produce after a restart, with ``UnknownError``)."""
    async with asyncio.timeout(20):
        while True:
            try:
                await bus.publish(topic, _envelope("refill-0"))
                break
            except KafkaPublishError:
                await asyncio.sleep(0.05)
    for n in range(1, count):
        await bus.publish(topic, _envelope(f"refill-{n}"))


async def test_after_a_restart_the_same_bus_publishes_and_a_running_consumer_resumes(
    broker: _services.ServerProcess,
    bootstrap: str,
    bus: KafkaBus,
    topic: str,
    aiokafka_instrumented: None,
    otel: TelemetryCapture,
    request: pytest.FixtureRequest,
) -> None:
    """A consumer reads the topic throughout; the broker is killed and restarted on its port.

    Down: publishes fail with KafkaPublishError. Back: the same bus publishes again and the
    same consumer receives every new event, each in a ``process`` span continuing the trace of
    the event's ``send`` span. tansu restarts empty, so the test refills the log up to the
    consumer's position (a durable broker keeps it) before publishing the new events.
    """
    with loop_errors_reported() as loop_errors:
        async with RunningConsumer(bootstrap, topic) as consumer:
            before = [f"before-{n}" for n in range(5)]
            for label in before:
                await bus.publish(topic, _envelope(label))
            await consumer.received(before)
            broker.stop()
            with pytest.raises(KafkaPublishError):
                await bus.publish(topic, _envelope("during"))
            restarting = time.monotonic()
            broker.start()
            await _create_topic(bootstrap, topic)
            await _refill(bus, topic, count=len(before))
            recovered = time.monotonic()
            after = {f"after-{n}": _envelope(f"after-{n}") for n in range(5)}
            for envelope in after.values():
                await bus.publish(topic, envelope)
            await consumer.received(list(after))
            resumed = time.monotonic()
    assert loop_errors == []
    for label, envelope in after.items():
        send = _span_of(otel, f"send {topic}", **{"messaging.message.id": str(envelope.event_id)})
        process = _span_with_id(otel, consumer.process_span_ids[label])
        assert process.parent is not None
        assert send.context is not None
        assert (send.context.trace_id, send.context.span_id) == (
            process.context.trace_id, process.parent.span_id)  # fmt: skip
    report(request, restart_to_refilled=f"{(recovered - restarting) * 1000:.0f} ms",
           restart_to_consumed=f"{(resumed - restarting) * 1000:.0f} ms")  # fmt: skip


async def test_a_publish_that_timed_out_is_still_written_when_the_hung_broker_wakes(
    broker: _services.ServerProcess, bootstrap: str, bus: KafkaBus, topic: str
) -> None:
    """A KafkaPublishError after the delivery timeout means "outcome unknown": the request was
    already on the wire, so a hung broker that wakes up writes the record anyway (which is why
    the error's docstring warns that publishing again may duplicate it)."""
    await bus.publish(topic, _envelope("before"))
    broker.freeze()
    with pytest.raises(KafkaPublishError, match="may still be written"):
        await bus.publish(topic, _envelope("timed-out"))
    broker.thaw()
    async with RunningConsumer(bootstrap, topic) as consumer:
        await consumer.received(["before", "timed-out"])


async def test_start_against_a_hung_broker_fails_typed_within_the_request_timeout(
    broker: _services.ServerProcess, bootstrap: str
) -> None:
    """The broker accepts connections but answers nothing: start() raises
    KafkaUnavailableError once the request timeout passed, instead of waiting for it."""
    broker.freeze()
    bus = KafkaBus(client_id="hung", bootstrap_servers=bootstrap, enable_idempotence=False,
                   request_timeout_ms=int(DELIVERY_TIMEOUT_SECONDS * 1000))  # fmt: skip
    async with asyncio.timeout(DELIVERY_TIMEOUT_SECONDS + SLACK_SECONDS):
        with pytest.raises(KafkaUnavailableError):
            await bus.start()


async def test_stop_during_an_outage_ends_and_fails_the_pending_publishes(
    broker: _services.ServerProcess, bus: KafkaBus, topic: str
) -> None:
    """stop() while 20 publishes wait on a dead broker: it returns within the delivery timeout
    instead of waiting for the broker to come back, every pending publish raises
    KafkaPublishError, and the loop reports nothing (without the idempotent producer, whose
    records aiokafka never expires: see ``KafkaBus.stop``)."""
    await bus.publish(topic, _envelope("before"))
    broker.stop()
    with loop_errors_reported() as loop_errors:
        pending = [asyncio.create_task(bus.publish(topic, _envelope(str(n)))) for n in range(20)]
        await asyncio.sleep(0)  # each task runs to its first wait: the broker's acknowledgement
        async with asyncio.timeout(DELIVERY_TIMEOUT_SECONDS + SLACK_SECONDS):
            await bus.stop()
        outcomes = await asyncio.gather(*pending, return_exceptions=True)
    assert loop_errors == []
    assert all(isinstance(outcome, KafkaPublishError) for outcome in outcomes)


def _span_of(otel: TelemetryCapture, name: str, **attributes: str) -> ReadableSpan:
    found = [s for s in otel.spans(name) if attributes.items() <= dict(s.attributes or {}).items()]
    assert len(found) == 1, f"{len(found)} spans {name!r} with {attributes}"
    return found[0]


def _span_with_id(otel: TelemetryCapture, span_id: int) -> ReadableSpan:
    return next(s for s in otel.spans() if s.context is not None and s.context.span_id == span_id)


@pytest.mark.slow
async def test_soak_kills_and_hangs_in_turn_always_fail_typed_and_always_recover(
    broker: _services.ServerProcess,
    bootstrap: str,
    bus: KafkaBus,
    topic: str,
    request: pytest.FixtureRequest,
) -> None:
    """Six broker faults in a row under the 10-task publishing load, a kill (then a restart on
    the port and the topic created again) and a hang (SIGSTOP, then SIGCONT) in turn. Every
    failure is a KafkaPublishError within the delivery timeout; after each fault every task
    publishes successfully again with the same bus; the loop reports nothing."""
    with loop_errors_reported() as loop_errors:
        async with OutageLoad(lambda n: bus.publish(topic, _envelope(str(n))), tasks=TASKS) as load:
            for cycle in range(6):
                await _fault_and_recover(load, broker, bootstrap, topic, hang=cycle % 2 == 1)
    assert loop_errors == []
    for call in failed(load.calls):
        assert isinstance(call.error, KafkaPublishError)
        assert call.seconds < DELIVERY_TIMEOUT_SECONDS + SLACK_SECONDS
    report(request, time_to_error=figures(failed(load.calls)), calls=figures(load.calls))


async def _fault_and_recover(
    load: OutageLoad, broker: _services.ServerProcess, bootstrap: str, topic: str, *, hang: bool
) -> None:
    """One fault: every task fails at least once, then the broker is back and every task has
    published successfully again, and the load ran healthy for a while."""
    fault = time.monotonic()
    broker.freeze() if hang else broker.stop()
    await load.until(lambda: tasks_of(failed(load.between(fault))) == set(range(TASKS)))
    if hang:
        broker.thaw()
    else:
        broker.start()
        await _create_topic(bootstrap, topic)
    recovered = time.monotonic()
    await load.until(lambda: tasks_of(succeeded(load.between(recovered))) == set(range(TASKS)))
    await load.until(lambda: len(succeeded(load.between(recovered))) >= 20 * TASKS)


async def test_a_cancelled_publish_stays_cancelled_and_later_deadlines_still_hold(
    broker: _services.ServerProcess, bus: KafkaBus, topic: str
) -> None:
    """The broker hangs: a publish whose own task is cancelled while it waits for the
    acknowledgement raises CancelledError (the caller's cancellation, not a delivery failure),
    and a publish made after it still fails with KafkaPublishError at its delivery timeout."""
    await bus.publish(topic, _envelope("before"))
    broker.freeze()
    started = time.monotonic()
    waiting = asyncio.create_task(bus.publish(topic, _envelope("cancelled")))
    await eventually(lambda: time.monotonic() - started >= 0.2)
    assert not waiting.done()
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    later = time.monotonic()
    with pytest.raises(KafkaPublishError, match="no acknowledgement"):
        async with asyncio.timeout(DELIVERY_TIMEOUT_SECONDS + SLACK_SECONDS):
            await bus.publish(topic, _envelope("after"))
    assert time.monotonic() - later >= DELIVERY_TIMEOUT_SECONDS * 0.9
