"""An instrumented service for the outage test: ``configure()`` plus a Quart app under hypercorn.

Run as ``python _outage_service.py PORT``; OTLP and Prometheus settings come from ``OTEL_*``.
``POST /shutdown-telemetry`` calls ``TelemetryHandle.shutdown(1500)`` and answers how long it took.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time

from hypercorn.asyncio import serve
from hypercorn.config import Config
from opentelemetry import trace
from quart import Quart, jsonify
from quart.typing import ResponseReturnValue

import huleedu_otel

SHUTDOWN_TIMEOUT_MILLIS = 1500

handle = huleedu_otel.configure("outage-service")
app = Quart(__name__)
tracer = trace.get_tracer("outage-service")
logger = logging.getLogger("outage-service")


@app.get("/work/<int:n>")
async def work(n: int) -> ResponseReturnValue:
    """A request that makes a child span and a log record, as business code does."""
    with tracer.start_as_current_span("compute", attributes={"work.n": n}):
        total = sum(range(200))
    logger.warning("work %s done", n)
    return jsonify({"n": n, "total": total})


@app.post("/shutdown-telemetry")
async def shutdown_telemetry() -> ResponseReturnValue:
    started = time.monotonic()
    await asyncio.to_thread(handle.shutdown, SHUTDOWN_TIMEOUT_MILLIS)
    return jsonify({"seconds": time.monotonic() - started})


def main(port: int) -> None:
    config = Config()
    config.bind = [f"127.0.0.1:{port}"]
    config.accesslog = None
    asyncio.run(serve(app, config))


if __name__ == "__main__":
    main(int(sys.argv[1]))
