"""The seed's KafkaBus and idempotency examples as a service runs them, telemetry from
``huleedu_otel.configure()``; the end-to-end test runs this in a fresh process.

Usage: python -m tests.messaging._seed_service TOPIC REDIS_URL
(``KAFKA_BOOTSTRAP_SERVERS`` in the environment, as in production). Prints one JSON line.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import urllib.request
from typing import Any

from aiokafka import AIOKafkaConsumer
from opentelemetry import trace

import huleedu_otel
from huleedu_service_libs import EventEnvelope, KafkaBus
from huleedu_service_libs.idempotency import idempotent_consumer
from tests.messaging._scripting_redis import ScriptingRedis


async def main(topic: str, redis_url: str, metrics_url: str) -> dict[str, Any]:
    # the seed's example; tansu lacks the idempotent producer, hence the one extra option
    kafka_bus = KafkaBus(client_id="content-service-producer", enable_idempotence=False)
    await kafka_bus.start()
    try:
        envelope = EventEnvelope(
            event_type="CONTENT_CREATED", source_service="content_service", data={"id": "c1"}
        )
        await kafka_bus.publish(topic, envelope)
    finally:
        await kafka_bus.stop()

    redis_client = await ScriptingRedis(redis_url).start()
    seen: list[str] = []

    @idempotent_consumer(redis_client=redis_client, ttl_seconds=86400, namespace=topic)
    async def handle_content_created(msg: Any) -> None:
        seen.append(f"{trace.get_current_span().get_span_context().trace_id:032x}")

    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=os.environ["KAFKA_BOOTSTRAP_SERVERS"], group_id="seed-svc",
        auto_offset_reset="earliest", enable_auto_commit=False,
    )  # fmt: skip
    await consumer.start()
    async for msg in consumer:
        await handle_content_created(msg)
        break
    await consumer.getmany(timeout_ms=100)  # the next fetch ends the last process span
    scraped = await asyncio.to_thread(_scrape, metrics_url)  # the lag gauge needs a live consumer
    await consumer.stop()
    await redis_client.close()
    return {"handler_trace_ids": seen, "metrics": scraped}


def _scrape(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return str(response.read().decode())


if __name__ == "__main__":
    telemetry = huleedu_otel.configure("seed-svc")
    metrics_url = f"http://127.0.0.1:{telemetry.prometheus_port}/metrics"
    result = asyncio.run(main(sys.argv[1], sys.argv[2], metrics_url))
    telemetry.shutdown()
    print(json.dumps(result), flush=True)
