"""An instrumented copy of the example app per test, through the global (captured) providers."""

from __future__ import annotations

import pytest
from quart import Quart
from quart.typing import TestClientProtocol as Client

from huleedu_otel.testing import TelemetryCapture
from tests.conftest import QuartApps
from tests.instrumentation.quart.example import create_app


@pytest.fixture
def app(otel: TelemetryCapture, quart_apps: QuartApps) -> Quart:
    return quart_apps.instrumented(create_app())


@pytest.fixture
def client(app: Quart) -> Client:
    return app.test_client()
