"""A structured error raised while a consumed event is handled: tied to the event, not a request."""

from __future__ import annotations

import uuid

import pytest

from huleedu_otel.testing import TelemetryCapture
from huleedu_service_libs.error_handling import HuleEduError, raise_processing_error
from huleedu_service_libs.kafka_consumer import process_span
from tests.messaging._records import envelope_record


def test_the_error_takes_the_events_correlation_id_and_its_code_marks_the_process_span(
    otel: TelemetryCapture,
) -> None:
    record = envelope_record(headers=(("X-Correlation-ID", b"cid-event-7"),))

    with pytest.raises(HuleEduError) as caught, process_span(record, consumer_group="graders"):
        raise_processing_error(service="grader", operation="grade", message="no rubric")

    assert caught.value.correlation_id == uuid.uuid5(uuid.NAMESPACE_OID, "cid-event-7")
    span = otel.span("process essays")
    assert caught.value.to_dict()["trace_id"] == format(span.context.trace_id, "032x")
    attributes = dict(span.attributes or {})
    assert (attributes["error.type"], attributes["huleedu.error.code"]) == (
        "PROCESSING_ERROR",
        "PROCESSING_ERROR",
    )
    durations = otel.metrics.points("messaging.process.duration")
    assert [p.attributes.get("error.type") for p in durations] == ["PROCESSING_ERROR"]


def test_any_other_error_keeps_its_class_name_as_error_type(otel: TelemetryCapture) -> None:
    with pytest.raises(KeyError), process_span(envelope_record()):
        raise KeyError("missing")

    assert otel.span("process essays").attributes["error.type"] == "KeyError"  # type: ignore[index]
