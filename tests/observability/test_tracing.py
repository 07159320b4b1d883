"""The seed's tracing helpers on the OTel API, against the in-memory ``otel`` capture."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.trace import StatusCode

from huleedu_otel.testing import TelemetryCapture
from huleedu_service_libs.observability import (
    extract_trace_context,
    get_current_trace_id,
    get_tracer,
    init_tracing,
    inject_trace_context,
    trace_operation,
    use_trace_context,
)

TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


@dataclass
class _Content:
    id: str


class _Repository:
    async def create(self, data: dict[str, Any]) -> _Content:
        return _Content(id="c1")


async def test_seed_example_traces_an_operation_and_continues_the_trace_from_metadata(
    otel: TelemetryCapture,
) -> None:
    """The README's example as written: a span with attributes and an event, propagated."""
    repository = _Repository()
    metadata: dict[str, Any] = {}  # stands in for envelope.metadata

    # Initialize at startup
    tracer = init_tracing("content_service")

    # Trace operations
    async def create_content(data: dict[str, Any]) -> _Content:
        with trace_operation(tracer, "create_content", {"content_type": data["type"]}):
            # Perform database operation
            content = await repository.create(data)

            # Add event to span
            current_span = trace.get_current_span()
            current_span.add_event("content_created", {"content_id": content.id})

            inject_trace_context(metadata)  # the seed injects when publishing the event
            return content

    await create_content({"type": "essay"})
    # Extract trace context from events
    with use_trace_context(metadata), trace_operation(tracer, "process_event"):
        pass

    created, processed = otel.span("create_content"), otel.span("process_event")
    assert dict(created.attributes or {}) == {"content_type": "essay"}
    assert [e.name for e in created.events] == ["content_created"]
    assert created.status.status_code == StatusCode.OK
    assert processed.parent is not None
    assert (processed.context.trace_id, processed.parent.span_id) == (
        created.context.trace_id,
        created.context.span_id,
    )


def test_trace_operation_records_the_exception_and_marks_the_span_failed(
    otel: TelemetryCapture,
) -> None:
    """The error propagates; the span gets ERROR status, ``error.type`` and an exception event."""
    tracer = get_tracer("svc")

    with pytest.raises(KeyError), trace_operation(tracer, "lookup"):
        raise KeyError("essay-1")

    span = otel.span("lookup")
    assert span.status.status_code == StatusCode.ERROR
    assert (span.attributes or {})["error.type"] == "KeyError"
    assert [e.name for e in span.events] == ["exception"]


def test_trace_operation_redacts_credentials_in_the_recorded_error(
    otel: TelemetryCapture,
) -> None:
    """A connection error quoting its DSN leaves no password in the span."""
    with (
        pytest.raises(ConnectionError),
        trace_operation(get_tracer("svc"), "connect"),
    ):
        raise ConnectionError("cannot reach postgresql://app:hunter2@db/x")

    span = otel.span("connect")
    (event,) = span.events
    recorded = [span.status.description, *dict(event.attributes or {}).values()]
    assert "hunter2" not in repr(recorded)
    assert "postgresql://app:[REDACTED]@db/x" in str(span.status.description)


def test_get_current_trace_id_is_the_current_spans_32_hex_id(otel: TelemetryCapture) -> None:
    """Inside a span: its trace id; outside: ``None``."""
    with get_tracer("svc").start_as_current_span("s") as span:
        inside = get_current_trace_id()

    assert (inside, get_current_trace_id()) == (f"{span.get_span_context().trace_id:032x}", None)


def test_extract_trace_context_reads_a_w3c_traceparent(otel: TelemetryCapture) -> None:
    """A carrier's ``traceparent`` becomes the parent of spans started in its context."""
    with get_tracer("svc").start_as_current_span(
        "child", context=extract_trace_context({"traceparent": TRACEPARENT})
    ):
        pass

    span = otel.span("child")
    assert f"{span.context.trace_id:032x}" == "0af7651916cd43dd8448eb211c80319c"


@pytest.mark.parametrize(
    "carrier",
    [
        None,
        "traceparent",
        {},
        {"traceparent": 42},
        {"traceparent": None},
        {"traceparent": "garbage"},
        {"traceparent": ["00-zz-zz-01"]},
        {1: TRACEPARENT},
    ],
)
def test_malformed_carriers_leave_the_current_trace_in_place(
    carrier: Any, otel: TelemetryCapture
) -> None:
    """Whatever a message carries, spans inside ``use_trace_context`` stay in the current trace."""
    tracer = get_tracer("svc")
    with (
        tracer.start_as_current_span("outer") as outer,
        use_trace_context(carrier),
        tracer.start_as_current_span("inner"),
    ):
        pass

    inner = otel.span("inner")
    assert inner.parent is not None
    assert inner.parent.span_id == outer.get_span_context().span_id


@pytest.mark.parametrize("carrier", [None, "text", ("a", "b")])
def test_inject_into_something_that_is_not_a_dict_does_nothing(
    carrier: Any, otel: TelemetryCapture
) -> None:
    """An envelope without metadata (``None``) does not break publishing: nothing is written,
    nothing raised, the span stays unmarked. A dict carrier, by contrast, gets the traceparent."""
    written: dict[str, Any] = {}
    with get_tracer("svc").start_as_current_span("s") as span:
        inject_trace_context(carrier)
        inject_trace_context(written)

    ids = span.get_span_context()
    _version, trace_id, span_id, _flags = written["traceparent"].split("-")
    assert (otel.span("s").status.is_unset, list(written), trace_id, span_id) == (
        True,
        ["traceparent"],
        f"{ids.trace_id:032x}",
        f"{ids.span_id:016x}",
    )


def test_init_tracing_only_returns_a_tracer_once_a_provider_is_configured(
    otel: TelemetryCapture,
) -> None:
    """With an SDK provider in place, ``init_tracing`` configures nothing and uses it."""
    provider_before = trace.get_tracer_provider()

    with init_tracing("svc").start_as_current_span("s"):
        pass

    assert trace.get_tracer_provider() is provider_before
    assert otel.span("s").instrumentation_scope is not None
