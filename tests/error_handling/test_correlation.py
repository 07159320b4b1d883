"""``CorrelationContext`` from a request, and the Quart middleware that puts it on ``g``."""

from __future__ import annotations

import uuid

import pytest
from quart import Quart, g, jsonify
from quart.typing import ResponseReturnValue
from quart.typing import TestClientProtocol as Client

from huleedu_otel.testing import TelemetryCapture
from huleedu_service_libs.correlation import get_correlation_id
from huleedu_service_libs.error_handling import raise_processing_error
from huleedu_service_libs.error_handling.correlation import CorrelationContext
from huleedu_service_libs.error_handling.quart import register_error_handlers
from huleedu_service_libs.middleware.frameworks.quart_correlation_middleware import (
    setup_correlation_middleware,
)
from tests.conftest import QuartApps


def _create_app() -> Quart:
    app = Quart("correlated")
    setup_correlation_middleware(app)
    register_error_handlers(app)

    @app.get("/context")
    async def context() -> ResponseReturnValue:
        found: CorrelationContext = g.correlation_context
        return jsonify(
            original=found.original,
            uuid=str(found.uuid),
            source=found.source,
            g_id=str(g.correlation_id),
            bound=get_correlation_id(),
        )

    @app.get("/fail")
    async def fail() -> ResponseReturnValue:
        raise_processing_error(service="svc", operation="fail", message="m")

    return app


@pytest.fixture
def client(otel: TelemetryCapture, quart_apps: QuartApps) -> Client:
    return quart_apps.instrumented(_create_app()).test_client()


async def test_a_uuid_header_is_the_context_as_is(client: Client) -> None:
    given = str(uuid.uuid4())
    body = await (await client.get("/context", headers={"X-Correlation-ID": given})).get_json()

    assert body == {
        "original": given,
        "uuid": given,
        "source": "header",
        "g_id": given,
        "bound": given,
    }


async def test_a_non_uuid_header_keeps_its_text_and_derives_a_stable_uuid(client: Client) -> None:
    body = await (await client.get("/context", headers={"X-Correlation-ID": "req-9"})).get_json()

    derived = str(uuid.uuid5(uuid.NAMESPACE_OID, "req-9"))
    assert (body["original"], body["uuid"], body["source"]) == ("req-9", derived, "header")


async def test_the_query_parameter_is_used_bound_echoed_and_on_the_span(
    client: Client, otel: TelemetryCapture
) -> None:
    response = await client.get("/context?correlation_id=q-17")

    body = await response.get_json()
    assert (body["original"], body["source"], body["bound"]) == ("q-17", "query", "q-17")
    assert response.headers["X-Correlation-ID"] == "q-17"
    assert otel.span("GET /context").attributes["huleedu.correlation_id"] == "q-17"  # type: ignore[index]


async def test_without_an_id_the_generated_one_is_the_instrumentors(
    client: Client, otel: TelemetryCapture
) -> None:
    response = await client.get("/context")

    body = await response.get_json()
    echoed = response.headers["X-Correlation-ID"]
    assert (body["original"], body["source"], body["bound"]) == (echoed, "generated", echoed)
    assert otel.span("GET /context").attributes["huleedu.correlation_id"] == echoed  # type: ignore[index]


@pytest.mark.parametrize("hostile", ["x" * 200, "a b", "<script>"])
async def test_an_id_the_shared_rule_refuses_is_not_used(client: Client, hostile: str) -> None:
    response = await client.get(
        "/context", headers={"X-Correlation-ID": hostile}, query_string={"correlation_id": hostile}
    )

    body = await response.get_json()
    assert body["source"] == "generated"
    assert body["original"] == response.headers["X-Correlation-ID"] != hostile


async def test_an_error_answer_carries_the_id_from_the_query(client: Client) -> None:
    response = await client.get("/fail?correlation_id=q-err")

    assert response.status_code == 500
    assert (await response.get_json())["error"]["correlation_id"] == "q-err"


async def test_without_the_instrumentor_the_middleware_generates_and_binds_one() -> None:
    response = await _create_app().test_client().get("/context")

    body = await response.get_json()
    assert body["source"] == "generated"
    assert body["bound"] == body["original"] == response.headers["X-Correlation-ID"]
    assert str(uuid.UUID(body["uuid"])) == body["original"]
    assert get_correlation_id() is None
