"""X-Correlation-ID: reused or generated, bound for the handler, on the span, echoed back."""

from __future__ import annotations

import uuid

import pytest
import structlog
from quart import Quart
from quart.typing import TestClientProtocol as Client

from huleedu_otel.testing import TelemetryCapture
from huleedu_service_libs.correlation import get_correlation_id


async def test_incoming_correlation_id_is_bound_recorded_and_echoed(
    client: Client, otel: TelemetryCapture
) -> None:
    """The caller's id reaches the handler, the span attribute and the response header."""
    response = await client.get("/context", headers={"X-Correlation-ID": "req-2026.11:abc"})

    assert response.headers["X-Correlation-ID"] == "req-2026.11:abc"
    assert (await response.get_json())["correlation_id"] == "req-2026.11:abc"
    span = otel.span("GET /context")
    assert span.attributes["huleedu.correlation_id"] == "req-2026.11:abc"  # type: ignore[index]


async def test_missing_correlation_id_is_generated_once_per_request(
    client: Client, otel: TelemetryCapture
) -> None:
    """No header: a fresh UUID, the same in the handler, on the span and in the response."""
    response = await client.get("/context")

    echoed = response.headers["X-Correlation-ID"]
    assert str(uuid.UUID(echoed)) == echoed
    assert (await response.get_json())["correlation_id"] == echoed
    assert otel.span("GET /context").attributes["huleedu.correlation_id"] == echoed  # type: ignore[index]


@pytest.mark.parametrize("hostile", ["x" * 200, "abc;Set-Cookie=a", "<script>", "a b"])
async def test_unsafe_incoming_correlation_id_is_replaced(client: Client, hostile: str) -> None:
    """Overlong or odd ids are not echoed into headers and logs: a new one is made."""
    response = await client.get("/context", headers={"X-Correlation-ID": hostile})

    echoed = response.headers["X-Correlation-ID"]
    assert echoed != hostile
    assert str(uuid.UUID(echoed)) == echoed


async def test_correlation_id_is_in_structlog_contextvars_only_during_the_request(
    app: Quart,
) -> None:
    """Log lines inside the handler carry the id; afterwards nothing is left bound."""
    seen: list[dict[str, object]] = []

    @app.route("/log")
    async def log() -> str:
        seen.append(structlog.contextvars.get_contextvars())
        return "ok"

    await app.test_client().get("/log", headers={"X-Correlation-ID": "cid-1"})

    assert seen == [{"correlation_id": "cid-1"}]
    assert "correlation_id" not in structlog.contextvars.get_contextvars()
    assert get_correlation_id() is None


async def test_handler_set_correlation_header_is_not_duplicated(app: Quart) -> None:
    """A handler that sets the header itself keeps its value, and only one header is sent."""

    @app.route("/own")
    async def own() -> tuple[str, int, dict[str, str]]:
        return "ok", 200, {"X-Correlation-ID": "set-by-handler"}

    response = await app.test_client().get("/own", headers={"X-Correlation-ID": "incoming"})

    assert response.headers.getlist("X-Correlation-ID") == ["set-by-handler"]
