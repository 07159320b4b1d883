"""pytest fixtures for asserting on telemetry (registered through the ``pytest11`` entry point).

``otel`` gives a :class:`~huleedu_otel.testing.TelemetryCapture` emptied before each test::

    def test_publish_is_traced(otel):
        ...
        span = otel.span("send essays")
        assert otel.metrics.value("messaging.client.sent.messages") == 1

``otel_spans``, ``otel_metrics`` and ``otel_logs`` are shortcuts to its parts.

Every test session of a service that installs this distribution loads this module, so it
imports the SDK only when one of its fixtures first runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from huleedu_otel.testing import MetricsCapture, TelemetryCapture

_capture: TelemetryCapture | None = None


def _installed_capture() -> TelemetryCapture:
    global _capture
    if _capture is None:
        from huleedu_otel.testing import TelemetryCapture  # the SDK, on first use

        _capture = TelemetryCapture()
        _capture.install_globally()
    return _capture


@pytest.fixture
def otel() -> TelemetryCapture:
    """In-memory traces, metrics and logs from the global providers, reset for this test."""
    capture = _installed_capture()
    capture.reset()
    return capture


@pytest.fixture
def otel_spans(otel: TelemetryCapture) -> InMemorySpanExporter:
    return otel.span_exporter


@pytest.fixture
def otel_metrics(otel: TelemetryCapture) -> MetricsCapture:
    return otel.metrics


@pytest.fixture
def otel_logs(otel: TelemetryCapture) -> InMemoryLogRecordExporter:
    return otel.log_exporter
