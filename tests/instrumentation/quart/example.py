"""A plain Quart service with no telemetry code: what the instrumentor must trace as it is.

``opentelemetry-instrument hypercorn tests.instrumentation.quart.example:app`` runs it in the
launcher test; the other tests build their own copy with :func:`create_app`.
"""

from __future__ import annotations

import asyncio

from opentelemetry import trace
from quart import Quart, abort, websocket

from huleedu_service_libs.correlation import get_correlation_id


def create_app() -> Quart:
    app = Quart(__name__)

    @app.route("/essays/<essay_id>")
    async def essay(essay_id: str) -> dict[str, str]:
        return {"essay_id": essay_id}

    @app.route("/essays", methods=["POST"])
    async def create_essay() -> tuple[dict[str, str], int]:
        return {"created": "yes"}, 201

    @app.route("/context")
    async def context() -> dict[str, str | None]:
        """What the handler sees: the current trace and the bound correlation id."""
        span_context = trace.get_current_span().get_span_context()
        return {
            "trace_id": format(span_context.trace_id, "032x"),
            "correlation_id": get_correlation_id(),
        }

    @app.route("/boom")
    async def boom() -> str:
        raise ValueError("the handler failed")

    @app.route("/unavailable")
    async def unavailable() -> str:
        abort(503)

    @app.route("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.route("/stream")
    async def stream() -> object:
        async def chunks() -> object:
            for n in range(3):
                await asyncio.sleep(0)
                yield f"chunk {n}\n"

        return chunks(), 200

    @app.websocket("/ws/<room>")
    async def room(room: str) -> None:
        message = await websocket.receive()
        await websocket.send(f"{room}: {message}")

    return app


app = create_app()
