"""The ``otel`` fixtures users get from the plugin: in memory, reset between tests."""

from __future__ import annotations

import logging

import pytest
from opentelemetry import metrics, trace

from huleedu_otel.testing import TelemetryCapture

tracer = trace.get_tracer(__name__)
meter = metrics.get_meter(__name__)
counter = meter.create_counter("plugin.test.count")
histogram = meter.create_histogram("plugin.test.duration", unit="s")
level = meter.create_up_down_counter("plugin.test.level")


def test_spans_metrics_and_logs_are_captured(otel: TelemetryCapture) -> None:
    with tracer.start_as_current_span("captured") as span:
        counter.add(2, {"k": "a"})
        counter.add(3, {"k": "a"})
        histogram.record(0.02, {"k": "a"})
        logging.getLogger("plugin-test").warning("captured log")
    assert otel.span("captured").context.trace_id == span.get_span_context().trace_id
    assert otel.metrics.value("plugin.test.count", k="a") == 5
    (point,) = otel.metrics.points("plugin.test.duration")
    assert (point.count, point.sum) == (1, 0.02)
    assert point.explicit_bounds[0] == 0.0001  # an in-process default, never milliseconds
    (record,) = [r for r in otel.logs() if r.log_record.body == "captured log"]
    assert record.log_record.trace_id == span.get_span_context().trace_id


def test_counters_start_from_zero_in_each_test(otel: TelemetryCapture) -> None:
    """The previous test added 5: this one sees only its own additions."""
    counter.add(1, {"k": "a"})
    assert otel.metrics.value("plugin.test.count", k="a") == 1
    assert otel.spans() == []


def test_up_down_counters_show_the_current_level(otel: TelemetryCapture) -> None:
    level.add(4)
    level.add(-1)
    assert otel.metrics.value("plugin.test.level") == 3
    level.add(-3)
    assert otel.metrics.value("plugin.test.level") == 0


def test_span_lookup_names_what_was_there(otel: TelemetryCapture) -> None:
    with tracer.start_as_current_span("only-this"):
        pass
    with pytest.raises(AssertionError, match=r"found 0 among \['only-this'\]"):
        otel.span("missing")
