"""A service with credentials everywhere, run by ``test_secrets`` in a fresh process.

It configures telemetry from code (OTLP, Prometheus and console exporters as the environment
says), then handles one HTTP request that touches PostgreSQL, Redis and Kafka, logs credential
fields, fails to reach Kafka over SASL and Redis with a wrong password, and prints its health
report and its own ``/metrics``. The planted values come from ``PLANTED_*`` variables.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import urllib.request

from quart import Quart, Response
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

import huleedu_otel
from huleedu_service_libs import EventEnvelope, KafkaBus, RedisClient
from huleedu_service_libs.database import DatabaseHealthChecker
from huleedu_service_libs.errors import HuleEduError
from huleedu_service_libs.logging_utils import configure_service_logging, create_service_logger

P = {name[len("PLANTED_") :].lower(): value for name, value in os.environ.items()
     if name.startswith("PLANTED_")}  # fmt: skip
handle = huleedu_otel.configure("secrets-svc")
configure_service_logging("secrets-svc", environment="production")
log = create_service_logger("secrets.workload")


def create_app(engine: AsyncEngine, redis: RedisClient, bus: KafkaBus) -> Quart:
    app = Quart(__name__)

    @app.route("/items/<item_id>")
    async def item(item_id: str) -> Response:
        async with engine.connect() as conn:
            await conn.execute(text(f"SELECT '{P['sql_literal']}' AS secret"))
            await conn.execute(text("SELECT :value AS bound"), {"value": P["sql_parameter"]})
        await redis.setex(f"secrets-test:{item_id}", 60, P["redis_value"])
        await redis.get(f"secrets-test:{item_id}")
        envelope = EventEnvelope[dict[str, str]](
            event_type="ITEM", source_service="secrets-svc", data={"token": P["event_payload"]}
        )
        await bus.publish("secrets-items", envelope)
        response = Response("ok")
        response.set_cookie("session", P["set_cookie"])
        return response

    @app.route("/fails")
    async def fails() -> str:
        async with engine.connect() as conn:  # the database error names the literal
            await conn.execute(text(f"SELECT '{P['sql_failing_literal']}'::int"))
        return "unreachable"

    return app


async def serve_requests(app: Quart) -> None:
    client = app.test_client()
    headers = {"Authorization": f"Bearer {P['bearer']}", "Cookie": f"session={P['cookie']}"}
    query = f"token={P['query_token']}&api_key={P['query_api_key']}&page=2"
    response = await client.get(f"/items/7?{query}", headers=headers)
    print("items status", response.status_code, flush=True)
    response = await client.get("/fails", headers=headers)
    print("fails status", response.status_code, flush=True)


async def failing_connections() -> None:
    """Credentials on error paths: SASL Kafka that cannot start, Redis with a wrong password."""
    sasl = KafkaBus(
        client_id="sasl", bootstrap_servers=os.environ["KAFKA_BOOTSTRAP_SERVERS"],
        security_protocol="SASL_PLAINTEXT", sasl_mechanism="PLAIN",
        sasl_plain_username="svc", sasl_plain_password=P["kafka_sasl"],
        enable_idempotence=False, request_timeout_ms=3000,
    )  # fmt: skip
    wrong = RedisClient(client_id="wrong", redis_url=os.environ["WRONG_REDIS_URL"])
    for name, start in (("kafka", sasl.start), ("redis", wrong.start)):
        try:
            await asyncio.wait_for(start(), 10)
        except (HuleEduError, TimeoutError) as exc:
            log.warning("Could not start %s", name, error=str(exc), error_type=type(exc).__name__)
            logging.getLogger("secrets.workload").exception("stdlib view of the %s failure", name)
        else:
            log.info("Started %s", name)
    await sasl.stop()


async def main() -> None:
    log.info("Logging in", password=P["log_password"], api_key=P["log_api_key"], user="ann")
    log.info("Database at %s", os.environ["DATABASE_URL"])
    logging.getLogger("secrets.workload").warning("Redis at %s", os.environ["REDIS_URL"])
    engine = create_async_engine(os.environ["DATABASE_URL"])
    redis = RedisClient(client_id="secrets", redis_url=os.environ["REDIS_URL"])
    await redis.start()
    bus = KafkaBus(client_id="secrets", enable_idempotence=False)
    await bus.start()
    await serve_requests(create_app(engine, redis, bus))
    await failing_connections()
    print(
        "health",
        json.dumps(await DatabaseHealthChecker(engine, "secrets-svc").get_health_summary()),
    )
    unreachable = create_async_engine(os.environ["UNREACHABLE_DATABASE_URL"])
    print(
        "health",
        json.dumps(await DatabaseHealthChecker(unreachable, "secrets-svc").get_health_summary()),
    )
    await bus.stop()
    await redis.stop()
    await engine.dispose()
    await unreachable.dispose()


asyncio.run(main())
url = f"http://127.0.0.1:{handle.prometheus_port}/metrics"
print("metrics", urllib.request.urlopen(url, timeout=10).read().decode(), flush=True)
handle.shutdown()
print("done", flush=True)
