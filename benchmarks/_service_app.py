"""The service ``bench_service`` loads: one route, a PostgreSQL query, a Redis GET, a JSON answer.

Configured from the environment by the benchmark: ``BENCH_SERVICE_TABLE`` (a table of essays it
created), ``BENCH_SERVICE_PREFIX`` (the Redis key prefix), and ``BENCH_SERVICE_ASGI_MIDDLEWARE=1``
for the upstream variant, which has no Quart instrumentor and wraps the app in contrib's ASGI
middleware by hand, as its documentation says. The route logs one INFO record per request, as
a service does; without telemetry no handler takes it. ``BENCH_SERVICE_GC_LOG=FILE`` appends
the worker's garbage-collection pauses (count, total and longest per generation) to FILE.PID every
second, to tell collector pauses from other causes of a long tail.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import os
import time
from typing import Any

import redis.asyncio as redis
from quart import Quart
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

POSTGRES_URL = os.environ.get(
    "HULEEDU_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("HULEEDU_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
TABLE = os.environ.get("BENCH_SERVICE_TABLE", "bench_service_essays")
PREFIX = os.environ.get("BENCH_SERVICE_PREFIX", "bench:service")

_log = logging.getLogger("bench_service")
_log.setLevel(logging.INFO)
_QUERY = text(f"SELECT id, title, status FROM {TABLE} WHERE id = :id")

app = Quart("bench_service")
_clients: dict[str, Any] = {}


_gc_pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
_gc_started = [0.0]


def _time_gc(phase: str, info: dict[str, int]) -> None:
    if phase == "start":
        _gc_started[0] = time.perf_counter()
    else:
        _gc_pauses[info["generation"]].append(time.perf_counter() - _gc_started[0])


def _write_gc_log(path: str) -> None:
    """Rewritten every second: a worker stopped by a signal may never run ``after_serving``."""
    summary = {
        "variant": os.environ.get("BENCH_SERVICE_VARIANT"),
        "pid": os.getpid(),
        **{
            f"gen{g}": {
                "count": len(p),
                "total_ms": sum(p) * 1e3,
                "max_ms": max(p, default=0) * 1e3,
            }
            for g, p in _gc_pauses.items()
        },
    }
    with open(f"{path}.{os.getpid()}", "w") as log:
        log.write(json.dumps(summary) + "\n")
    asyncio.get_running_loop().call_later(1.0, _write_gc_log, path)


@app.before_serving
async def _connect() -> None:
    if os.environ.get("BENCH_SERVICE_GC_LOG"):
        gc.callbacks.append(_time_gc)
        _write_gc_log(os.environ["BENCH_SERVICE_GC_LOG"])
    _clients["engine"] = create_async_engine(POSTGRES_URL, pool_size=8, max_overflow=0)
    _clients["redis"] = redis.Redis.from_url(REDIS_URL)


@app.after_serving
async def _close() -> None:
    engine: AsyncEngine = _clients.pop("engine")
    await engine.dispose()
    await _clients.pop("redis").aclose()


@app.get("/essays/<int:essay_id>")
async def essay(essay_id: int) -> dict[str, Any]:
    engine: AsyncEngine = _clients["engine"]
    async with engine.connect() as connection:
        row = (await connection.execute(_QUERY, {"id": essay_id})).one()
    grade = await _clients["redis"].get(f"{PREFIX}:{essay_id}")
    _log.info("essay served", extra={"essay_id": essay_id})
    return {"id": row.id, "title": row.title, "status": row.status, "grade": grade.decode()}


if os.environ.get("BENCH_SERVICE_ASGI_MIDDLEWARE") == "1":
    from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

    app.asgi_app = OpenTelemetryMiddleware(app.asgi_app)  # type: ignore[method-assign]
