"""instrument()/uninstrument() and instrument_app()/uninstrument_app(): idempotent, reversible."""

from __future__ import annotations

from collections.abc import Iterator
from importlib.metadata import entry_points
from typing import Any

import pytest
from quart import Quart

from huleedu_otel.quart import QuartInstrumentor
from huleedu_otel.testing import TelemetryCapture
from tests.instrumentation.quart.example import create_app


@pytest.fixture
def instrumented(otel: TelemetryCapture) -> Iterator[QuartInstrumentor]:
    instrumentor = QuartInstrumentor()
    instrumentor.instrument()
    yield instrumentor
    if instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.uninstrument()


def test_entry_point_huleedu_quart_loads_this_instrumentor() -> None:
    """The launcher finds us under ``huleedu_quart``."""
    (found,) = [
        e for e in entry_points(group="opentelemetry_instrumentor") if e.name == "huleedu_quart"
    ]
    assert found.load() is QuartInstrumentor
    assert list(QuartInstrumentor().instrumentation_dependencies()) == ["quart >= 0.19"]


async def test_apps_created_after_instrument_are_traced_subclasses_too(
    instrumented: QuartInstrumentor, otel: TelemetryCapture
) -> None:
    """Quart.__init__ is wrapped: a plain app and a subclass both get spans, no class swap."""

    class ServiceApp(Quart):
        pass

    plain, sub = create_app(), ServiceApp(__name__)
    sub.add_url_rule("/ping", "ping", lambda: "pong")

    await plain.test_client().get("/essays/1")
    await sub.test_client().get("/ping")

    assert [s.name for s in otel.spans()] == ["GET /essays/<essay_id>", "GET /ping"]
    assert type(plain) is Quart


async def test_apps_that_existed_before_instrument_are_left_alone(
    otel: TelemetryCapture,
) -> None:
    """Only instrument_app() reaches an app created before instrument()."""
    old = create_app()
    instrumentor = QuartInstrumentor()
    instrumentor.instrument()
    try:
        await old.test_client().get("/essays/1")
    finally:
        instrumentor.uninstrument()

    assert otel.spans() == []


async def test_uninstrument_restores_auto_instrumented_apps_and_stops_new_ones(
    instrumented: QuartInstrumentor, otel: TelemetryCapture
) -> None:
    """After uninstrument() neither the old nor a new app is traced, and no wrapper remains."""
    app = create_app()
    instrumented.uninstrument()
    later = create_app()

    await app.test_client().get("/essays/1")
    await later.test_client().get("/essays/1")

    assert otel.spans() == []
    assert "asgi_app" not in vars(app)
    assert "handle_request" not in vars(app)


async def test_instrument_app_twice_still_gives_one_span_per_request(
    otel: TelemetryCapture, request: pytest.FixtureRequest
) -> None:
    """A second instrument_app() (e.g. both seed middlewares) changes nothing."""
    app = create_app()
    request.addfinalizer(lambda: QuartInstrumentor.uninstrument_app(app))

    assert [QuartInstrumentor.instrument_app(app) for _ in range(2)] == [True, False]
    await app.test_client().get("/essays/1")

    assert len(otel.spans()) == 1
    assert otel.metrics.count("http.server.request.duration") == 1


async def test_auto_instrumented_app_is_not_instrumented_again_by_instrument_app(
    instrumented: QuartInstrumentor, otel: TelemetryCapture
) -> None:
    """instrument() then instrument_app() on the same app: still one span."""
    app = create_app()

    assert QuartInstrumentor.instrument_app(app) is False
    await app.test_client().get("/essays/1")

    assert len(otel.spans()) == 1


async def test_uninstrument_app_under_user_middleware_keeps_it_and_goes_quiet(
    otel: TelemetryCapture,
) -> None:
    """Middleware added on top of ours stays; our buried wrapper turns into a pass-through."""
    app = create_app()
    QuartInstrumentor.instrument_app(app)
    seen: list[str] = []
    inner = app.asgi_app

    async def user_middleware(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.append(scope["path"])
        await inner(scope, receive, send)

    app.asgi_app = user_middleware  # type: ignore[method-assign]
    assert QuartInstrumentor.uninstrument_app(app) is True
    assert QuartInstrumentor.uninstrument_app(app) is False

    response = await app.test_client().get("/essays/1")

    assert (response.status_code, seen) == (200, ["/essays/1"])
    assert otel.spans() == []


async def test_instrumented_app_is_garbage_collected(otel: TelemetryCapture) -> None:
    """The registry holds apps weakly: instrumenting does not keep an app alive."""
    import gc
    import weakref

    app = create_app()
    QuartInstrumentor.instrument_app(app)
    ref = weakref.ref(app)
    del app
    gc.collect()

    assert ref() is None
