"""A purpose-built service for the concurrency test: HTTP -> PostgreSQL -> Redis -> Kafka.

``POST /orders/<n>`` inserts a row, claims a Redis key and publishes an event, the Redis and
Kafka calls each through their own circuit breaker, and answers with the correlation id the
event carried, so a test can see whether request context stayed with its request.
``POST /checks/<n>`` calls a fraud check whose service is down, through a breaker: 502 while the
breaker lets calls through, 503 once it is open and blocks them.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from dishka import make_async_container
from opentelemetry import trace
from pydantic import BaseModel
from quart import jsonify
from quart.typing import ResponseReturnValue
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from huleedu_service_libs import EventEnvelope, HuleEduApp, KafkaBus, RedisClient
from huleedu_service_libs.errors import CircuitBreakerError
from huleedu_service_libs.resilience import CircuitBreaker


class OrderPlaced(BaseModel):
    order_id: str


class FraudServiceDownError(Exception):
    """The stand-in fraud check's only answer."""


async def fraud_check(n: int) -> None:
    await asyncio.sleep(0)
    raise FraudServiceDownError(n)


@dataclass
class OrderDependencies:
    """What one run's app talks to; names are unique per run on the shared servers."""

    engine: AsyncEngine
    redis: RedisClient
    bus: KafkaBus
    table: str
    key_prefix: str
    topic: str
    traced_breakers: bool

    def breaker(self, name: str) -> CircuitBreaker:
        tracer = trace.get_tracer("orders") if self.traced_breakers else None
        return CircuitBreaker(failure_threshold=5, name=name, tracer=tracer)


def create_order_app(deps: OrderDependencies) -> HuleEduApp:
    app = HuleEduApp(__name__)
    app.database_engine = deps.engine
    app.container = make_async_container()
    insert = text(f"INSERT INTO {deps.table} (id) VALUES (:id)")
    redis_breaker, kafka_breaker = deps.breaker("redis"), deps.breaker("kafka")

    @app.post("/orders/<int:n>")
    async def place_order(n: int) -> ResponseReturnValue:
        order_id = f"order-{n}"
        async with deps.engine.begin() as connection:
            await connection.execute(insert, {"id": order_id})
        key = f"{deps.key_prefix}{order_id}"
        await redis_breaker.call(deps.redis.set_if_not_exists, key, "placed", 60)
        envelope = EventEnvelope[OrderPlaced](
            event_type="order.placed", source_service="orders", data=OrderPlaced(order_id=order_id)
        )
        await kafka_breaker.call(deps.bus.publish, deps.topic, envelope, key=order_id)
        return jsonify({"correlation_id": envelope.correlation_id})

    fraud_breaker = CircuitBreaker(failure_threshold=5, recovery_timeout=60, name="fraud")

    @app.post("/checks/<int:n>")
    async def check(n: int) -> ResponseReturnValue:
        try:
            await fraud_breaker.call(fraud_check, n)
        except CircuitBreakerError:
            return jsonify({"result": "blocked"}), 503
        except FraudServiceDownError:
            return jsonify({"result": "failed"}), 502
        return jsonify({"result": "passed"})

    return app
