"""Export batches: small by default so encoding one does not stall the loop; user sizes win."""

from __future__ import annotations

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.resources import Resource

from huleedu_otel import TelemetrySettings
from huleedu_otel._setup import batching
from huleedu_otel._setup.providers import _logger_provider, _tracer_provider


@pytest.mark.parametrize("prefix", [batching.SPANS, batching.LOGS])
def test_our_batch_size_unless_the_user_sized_the_batches(prefix: str) -> None:
    assert batching.batch_size(prefix, {}) == 64
    assert batching.batch_size(prefix, {f"{prefix}_MAX_EXPORT_BATCH_SIZE": "256"}) is None
    assert batching.batch_size(prefix, {f"{prefix}_MAX_QUEUE_SIZE": "32"}) is None


def test_the_span_and_log_processors_export_batches_of_64(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for variable in ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "OTEL_BLRP_MAX_EXPORT_BATCH_SIZE"):
        monkeypatch.delenv(variable, raising=False)
    settings = TelemetrySettings.from_env(
        "batching", env={"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1"}
    )
    meter_provider = MeterProvider()
    tracer_provider = _tracer_provider(settings, Resource.create({}), meter_provider)
    logger_provider = _logger_provider(settings, Resource.create({}), meter_provider)
    try:
        (span_processor,) = tracer_provider._active_span_processor._span_processors
        (log_processor,) = logger_provider._multi_log_record_processor._log_record_processors
        assert span_processor._batch_processor._max_export_batch_size == 64
        assert log_processor._batch_processor._max_export_batch_size == 64
    finally:
        tracer_provider.shutdown()
        logger_provider.shutdown()
        meter_provider.shutdown()
