"""An instrumented copy of the example app per test, through the global (captured) providers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from quart import Quart
from quart.typing import TestClientProtocol as Client

from huleedu_otel.quart import QuartInstrumentor
from huleedu_otel.testing import TelemetryCapture
from tests.instrumentation.quart.example import create_app


@pytest.fixture
def app(otel: TelemetryCapture) -> Iterator[Quart]:
    app = create_app()
    QuartInstrumentor.instrument_app(app)
    yield app
    QuartInstrumentor.uninstrument_app(app)


@pytest.fixture
def client(app: Quart) -> Client:
    return app.test_client()
