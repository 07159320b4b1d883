"""The outbox through crashes: two relay replicas SIGKILLed at seeded points.

N events are committed to the outbox; two relay processes publish them while the test kills
one of them with SIGKILL at seeded moments (counted by published rows) and starts it again.
What must hold:

* 0 lost: every event reaches the topic;
* duplicates only from the crash window (a batch the broker acknowledged but whose ``UPDATE``
  died uncommitted with the process), so at most one batch per kill;
* each key's first deliveries are in write order;
* the idempotent consumer, downstream, applies every event exactly once (the duplicates keep
  their envelope's ``event_id``).

CI runs 5,000 events and 5 kills (well under a minute on a 2-core machine); ``--run-slow``
adds a 20,000-event, 20-kill soak.
"""

from __future__ import annotations

import asyncio
import collections
import json
import random
import signal
import sys
import time
import uuid
from asyncio.subprocess import Process
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as redis
from aiokafka import AIOKafkaConsumer
from sqlalchemy import MetaData, Table, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from huleedu_service_libs import EventEnvelope, RedisClient
from huleedu_service_libs.idempotency import idempotent_consumer
from huleedu_service_libs.outbox import (
    OutboxManager,
    PostgreSQLOutboxRepository,
    create_outbox_table,
    outbox_table,
)
from tests.conftest import REPO_ROOT, clean_env
from tests.reliability._outbox_relay import RelayConfig

pytestmark = [pytest.mark.kafka, pytest.mark.redis, pytest.mark.postgres]

BATCH_SIZE = 100
KEYS = 50


@pytest.fixture
async def table(engine: AsyncEngine) -> AsyncIterator[Table]:
    table = outbox_table(MetaData(), name=f"outbox_crash_{uuid.uuid4().hex[:10]}")
    await create_outbox_table(engine, table)
    yield table
    async with engine.begin() as connection:
        await connection.run_sync(table.drop)


async def _write(engine: AsyncEngine, table: Table, topic: str, events: int) -> list[str]:
    """Commit ``events`` outbox rows over ``KEYS`` keys; returns their event ids in order."""
    manager = OutboxManager(PostgreSQLOutboxRepository(engine, table=table))
    ids: list[str] = []
    async with async_sessionmaker(engine)() as session, session.begin():
        for n in range(events):
            key = f"key-{n % KEYS}"
            envelope = EventEnvelope(event_type="E", source_service="s", data={"n": n})
            ids.append(str(envelope.event_id))
            await manager.publish_to_outbox(
                "thing", key, "E", envelope, topic, key, session=session
            )
    return ids


def _tail(stderr: Path) -> str:
    return stderr.read_text(errors="replace")[-2000:]


async def _published(engine: AsyncEngine, table: Table) -> int:
    query = select(func.count()).select_from(table).where(table.c.published_at.is_not(None))
    async with engine.connect() as connection:
        return int(await connection.scalar(query) or 0)


async def _start(config: RelayConfig, stderr: Path) -> Process:
    with stderr.open("ab") as sink:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.reliability._outbox_relay", config.to_json(),
            cwd=REPO_ROOT, env=clean_env(), stdout=asyncio.subprocess.DEVNULL, stderr=sink,
        )  # fmt: skip


async def _read_all(bootstrap: str, topic: str, distinct: int) -> list[Any]:
    """Every record of ``topic``: until all ``distinct`` events came and 1 s brings nothing."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    records: list[Any] = []
    seen: set[str] = set()
    try:
        async with asyncio.timeout(60):
            while True:
                batch = await consumer.getmany(timeout_ms=1000, max_records=5000)
                fresh = [r for part in batch.values() for r in part]
                if not fresh and len(seen) >= distinct:
                    return records
                records.extend(fresh)
                seen.update(json.loads(r.value)["event_id"] for r in fresh)
    finally:
        await consumer.stop()


async def _deduplicated_downstream(redis_url: str, records: list[Any]) -> collections.Counter[str]:
    """Run every record through the idempotent consumer; returns how often each event ran."""
    client = RedisClient(client_id="outbox-crash", redis_url=redis_url)
    await client.start()
    applied: collections.Counter[str] = collections.Counter()
    namespace = f"outbox-crash-{uuid.uuid4().hex}"

    @idempotent_consumer(redis_client=client, namespace=namespace, ttl_seconds=600)
    async def handle(record: Any) -> None:
        applied[json.loads(record.value)["event_id"]] += 1

    try:
        for record in records:
            await handle(record)
    finally:
        raw = redis.Redis.from_url(redis_url)
        async for key in raw.scan_iter(match=f"huleedu:idempotency:{{{namespace}}}:*"):
            await raw.delete(key)
        await raw.aclose()
        await client.stop()
    return applied


async def _experiment(
    engine: AsyncEngine,
    table: Table,
    bootstrap: str,
    postgres_url: str,
    redis_url: str,
    stderr: Path,
    events: int,
    kills: int,
    seed: int,
) -> None:
    rng = random.Random(seed)
    topic = f"outbox-crash-{uuid.uuid4().hex[:10]}"
    written = await _write(engine, table, topic, events)
    started = time.monotonic()
    configs = [
        RelayConfig(postgres_url, table.name, bootstrap, BATCH_SIZE, f"replica-{n}")
        for n in range(2)
    ]
    replicas = [await _start(config, stderr) for config in configs]
    kill_points = sorted(rng.sample(range(events // 20, events * 9 // 10), kills))
    killed = 0
    for point in kill_points:
        async with asyncio.timeout(60):
            while await _published(engine, table) < point:
                assert any(r.returncode is None for r in replicas), _tail(stderr)
                await asyncio.sleep(0.005)
        await asyncio.sleep(rng.uniform(0, 0.05))  # land inside a batch, not between two
        victim = rng.randrange(2)
        if replicas[victim].returncode is None:
            replicas[victim].send_signal(signal.SIGKILL)
            await replicas[victim].wait()
            killed += 1
        replicas[victim] = await _start(configs[victim], stderr)
    async with asyncio.timeout(120):
        codes = [await replica.wait() for replica in replicas]
    assert codes == [0, 0], _tail(stderr)

    records = await _read_all(bootstrap, topic, events)
    delivered = [json.loads(record.value)["event_id"] for record in records]
    duplicates = len(delivered) - len(set(delivered))
    assert set(written) - set(delivered) == set()  # 0 lost
    assert duplicates <= killed * BATCH_SIZE  # only the crash windows
    first_order: dict[bytes, list[int]] = collections.defaultdict(list)
    first_seen: set[str] = set()
    for record, event_id in zip(records, delivered, strict=True):
        if event_id not in first_seen:
            first_seen.add(event_id)
            first_order[record.key].append(json.loads(record.value)["data"]["n"])
    out_of_order = {key: order for key, order in first_order.items() if order != sorted(order)}
    assert out_of_order == {}
    applied = await _deduplicated_downstream(redis_url, records)
    assert set(applied.values()) == {1}
    assert len(applied) == events
    print(
        f"\noutbox crash: {events} events, 2 replicas, {killed} SIGKILLs, 0 lost, "
        f"{duplicates} duplicates (all deduplicated downstream), relayed and checked in "
        f"{time.monotonic() - started:.1f} s"
    )


async def test_two_relays_sigkilled_at_seeded_points_lose_nothing(
    engine: AsyncEngine,
    table: Table,
    kafka_bootstrap: str,
    postgres_url: str,
    redis_url: str,
    tmp_path: Path,
) -> None:
    await _experiment(
        engine, table, kafka_bootstrap, postgres_url, redis_url, tmp_path / "relay.stderr",
        events=5000, kills=5, seed=13,
    )  # fmt: skip


@pytest.mark.slow
async def test_soak_two_relays_sigkilled_twenty_times(
    engine: AsyncEngine,
    table: Table,
    kafka_bootstrap: str,
    postgres_url: str,
    redis_url: str,
    tmp_path: Path,
) -> None:
    await _experiment(
        engine, table, kafka_bootstrap, postgres_url, redis_url, tmp_path / "relay.stderr",
        events=20_000, kills=20, seed=1313,
    )  # fmt: skip
