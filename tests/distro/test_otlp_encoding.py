"""Our OTLP byte encoders produce the requests upstream's encoders produce.

Spans and log records come from a real SDK; our bytes are parsed with the generated classes and
re-serialised next to upstream's request (byte comparison, so NaN payloads compare too).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from opentelemetry.exporter.otlp.proto.common._log_encoder import encode_logs as upstream_logs
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans as upstream_spans
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.sdk._logs import (
    LoggerProvider,
    LogRecordDroppedAttributesWarning,
    LogRecordLimits,
    ReadableLogRecord,
)
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, SpanLimits, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import (
    Link,
    NonRecordingSpan,
    SpanContext,
    SpanKind,
    Status,
    StatusCode,
    TraceFlags,
    set_span_in_context,
)
from opentelemetry.trace.span import TraceState

from huleedu_otel._setup.otlp import _values
from huleedu_otel._setup.otlp.logs import encode_logs
from huleedu_otel._setup.otlp.spans import encode_spans

RESOURCE = Resource({"service.name": "essays", "service.version": "1.2.3", "host.cores": 2})
INT64 = st.integers(-(2**63), 2**63 - 1)
SCALARS = st.one_of(st.booleans(), INT64, st.floats(), st.text(), st.binary())
#: What the SDK lets through as a span attribute: a scalar, or a sequence of one type (and None).
SPAN_VALUES = st.one_of(
    SCALARS,
    *(
        st.lists(st.one_of(st.none(), s), max_size=4)
        for s in (st.booleans(), INT64, st.floats(), st.text(), st.binary())
    ),
)
#: What a log record carries: any AnyValue, nested.
ANY_VALUES = st.recursive(
    st.one_of(st.none(), SCALARS),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
REMOTE_PARENT = SpanContext(
    trace_id=0x0AF7651916CD43DD8448EB211C80319C,
    span_id=0xB7AD6B7169203331,
    is_remote=True,
    trace_flags=TraceFlags(TraceFlags.SAMPLED),
    trace_state=TraceState([("vendor", "x1"), ("other", "y")]),
)


def assert_same_traces(spans: Sequence[ReadableSpan]) -> None:
    ours = ExportTraceServiceRequest.FromString(encode_spans(spans))
    theirs = upstream_spans(spans)
    assert ours.SerializeToString(deterministic=True) == theirs.SerializeToString(
        deterministic=True
    )
    if not any(math.isnan(v) for v in _floats(theirs)):
        assert ours == theirs


def assert_same_logs(batch: Sequence[ReadableLogRecord]) -> None:
    ours = ExportLogsServiceRequest.FromString(encode_logs(batch))
    theirs = upstream_logs(batch)
    assert ours.SerializeToString(deterministic=True) == theirs.SerializeToString(
        deterministic=True
    )


def _floats(message: Any) -> Iterator[float]:
    for field, value in message.ListFields():
        items = value if field.is_repeated else [value]
        for item in items:
            if field.message_type is not None:
                yield from _floats(item)
            elif isinstance(item, float):
                yield item


class Spans:
    """A tracer provider whose finished spans are kept in memory."""

    def __init__(self, resource: Resource = RESOURCE, limits: SpanLimits | None = None) -> None:
        self.exporter = InMemorySpanExporter()
        self.provider = TracerProvider(resource=resource, span_limits=limits)
        self.provider.add_span_processor(SimpleSpanProcessor(self.exporter))

    def finished(self) -> tuple[ReadableSpan, ...]:
        return self.exporter.get_finished_spans()


class Logs:
    def __init__(
        self, resource: Resource = RESOURCE, limits: LogRecordLimits | None = None
    ) -> None:
        self.exporter = InMemoryLogRecordExporter()  # type: ignore[no-untyped-call]
        self.provider = LoggerProvider(resource=resource, log_record_limits=limits)
        self.provider.add_log_record_processor(SimpleLogRecordProcessor(self.exporter))

    def finished(self) -> tuple[ReadableLogRecord, ...]:
        return self.exporter.get_finished_logs()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.text(min_size=1, max_size=12), SPAN_VALUES, max_size=8))
def test_span_attributes_of_every_type_encode_as_upstream(attrs: dict[str, Any]) -> None:
    spans = Spans()
    tracer = spans.provider.get_tracer("test")
    with tracer.start_as_current_span("op", attributes=attrs) as span:
        span.add_event("event", attributes=attrs)
    assert_same_traces(spans.finished())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ANY_VALUES, st.dictionaries(st.text(min_size=1, max_size=8), ANY_VALUES, max_size=4))
def test_log_bodies_and_attributes_of_every_shape_encode_as_upstream(
    body: Any, attrs: dict[str, Any]
) -> None:
    logs = Logs()
    logs.provider.get_logger("test").emit(body=body, attributes=attrs)
    assert_same_logs(logs.finished())


@pytest.mark.parametrize(
    "value",
    [
        0,
        -1,
        2**63 - 1,
        -(2**63),
        0.0,
        -0.0,
        math.inf,
        -math.inf,
        math.nan,
        True,
        False,
        "",
        "naïve — ünïcødé 🚀",
        b"",
        b"\x00\xff",
        (1, 2, 3),
        (True, False),
        ("a", ""),
        (1.5, -0.0),
        (b"x",),
        (),
    ],
    ids=repr,
)
def test_edge_values_encode_as_upstream(value: Any) -> None:
    spans = Spans()
    with spans.provider.get_tracer("t").start_as_current_span("op", attributes={"v": value}):
        pass
    assert_same_traces(spans.finished())


def test_a_full_span_tree_encodes_as_upstream() -> None:
    """Remote parent with trace state, kinds, events, links, statuses, dropped counts."""
    spans = Spans(limits=SpanLimits(max_span_attributes=3, max_events=2, max_links=1))
    tracer = spans.provider.get_tracer("essays.api", "2.0", schema_url="https://schema/1")
    remote = set_span_in_context(NonRecordingSpan(REMOTE_PARENT))
    local_link = Link(
        SpanContext(trace_id=7, span_id=9, is_remote=False), attributes={"link.kind": "follows"}
    )
    remote_link = Link(REMOTE_PARENT, attributes={"a": 1})
    with tracer.start_as_current_span(
        "POST /essays",
        context=remote,
        kind=SpanKind.SERVER,
        attributes={"http.request.method": "POST", "http.route": "/essays", "n": 1, "x": 2},
        links=[local_link, remote_link],
    ) as server:
        server.add_event("first", {"k": "v"})
        server.add_event("second")
        server.add_event("third")
        server.set_status(Status(StatusCode.ERROR, "boom"))
        for kind in (SpanKind.CLIENT, SpanKind.PRODUCER, SpanKind.CONSUMER, SpanKind.INTERNAL):
            with tracer.start_as_current_span(kind.name.lower(), kind=kind) as child:
                child.set_status(Status(StatusCode.OK))
        with tracer.start_as_current_span("failing") as failing:
            failing.record_exception(ValueError("nope"))
            failing.set_status(StatusCode.ERROR)
    finished = spans.finished()
    assert finished[-1].dropped_attributes
    assert finished[-1].dropped_events
    assert finished[-1].dropped_links
    assert_same_traces(finished)


def test_several_resources_and_scopes_group_as_upstream() -> None:
    """Equal resources from two providers merge; scopes split by name, version, schema url."""
    first = Spans(Resource({"service.name": "a"}, schema_url="https://schema/r"))
    twin = Spans(Resource({"service.name": "a"}, schema_url="https://schema/r"))
    other = Spans(Resource({"service.name": "b"}))
    for spans in (first, twin, other):
        for scope in (("x", None, None), ("x", "1", None), ("y", "1", "https://s/y")):
            tracer = spans.provider.get_tracer(
                scope[0], scope[1], schema_url=scope[2], attributes={"scope.attr": scope[0]}
            )
            with tracer.start_as_current_span(f"{scope[0]}-span"):
                pass
    batch = [*first.finished(), *other.finished(), *twin.finished()]
    assert_same_traces(batch)
    assert len(ExportTraceServiceRequest.FromString(encode_spans(batch)).resource_spans) == 2


def test_an_empty_batch_is_an_empty_request() -> None:
    assert encode_spans([]) == upstream_spans([]).SerializeToString()
    assert encode_logs([]) == upstream_logs([]).SerializeToString()


def test_log_records_encode_as_upstream() -> None:
    """Inside and outside a span, with severity, event name, timestamps and dropped attributes."""
    from opentelemetry._logs import SeverityNumber

    logs = Logs(limits=LogRecordLimits(max_attributes=2))
    spans = Spans()
    logger = logs.provider.get_logger("essays.logs", "1.0", schema_url="https://schema/l")
    logger.emit(body="outside any span", severity_number=SeverityNumber.INFO, severity_text="INFO")
    with (
        spans.provider.get_tracer("t").start_as_current_span("op"),
        pytest.warns(LogRecordDroppedAttributesWarning),
    ):
        logger.emit(
            body={"event": "essay.saved", "ids": [1, 2], "nested": {"ok": True, "none": None}},
            severity_number=SeverityNumber.ERROR,
            severity_text="ERROR",
            attributes={"a": 1, "b": "two", "c": 3.0},
            event_name="essay.saved",
            timestamp=1_700_000_000_000_000_000,
        )
    logger.emit(body=None)
    logger.emit(body="", severity_text="")
    logs.provider.get_logger("other").emit(body=b"raw")
    batch = logs.finished()
    assert batch[0].log_record.trace_id == 0
    assert batch[1].log_record.trace_id != 0
    assert batch[1].dropped_attributes == 1
    assert_same_logs(batch)


class Huge(int):
    """An int type of this test's own, so the once-per-type report is this test's to see."""


def test_an_unencodable_attribute_is_left_out_and_reported_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An int beyond int64 cannot go out; the rest of the span does, as with upstream."""
    spans = Spans()
    tracer = spans.provider.get_tracer("t")
    for _ in range(2):
        with tracer.start_as_current_span("op", attributes={"big": Huge(2**64), "kept": "yes"}):
            pass
    finished = spans.finished()
    with caplog.at_level(logging.DEBUG, logger=_values.__name__):
        decoded = ExportTraceServiceRequest.FromString(encode_spans(finished))
    assert_same_traces(finished)
    for span in decoded.resource_spans[0].scope_spans[0].spans:
        assert [kv.key for kv in span.attributes] == ["kept"]
    ours = [r for r in caplog.records if r.name == _values.__name__]
    assert [r.levelno for r in ours] == [logging.ERROR, logging.DEBUG]


def test_a_lone_surrogate_costs_only_its_character_not_the_batch() -> None:
    """A string no protobuf parser accepts (a lone surrogate: invalid UTF-8) would make upstream
    fail the whole batch; ours sends it with ``?`` in its place and every other span intact."""
    spans = Spans()
    tracer = spans.provider.get_tracer("t")
    with tracer.start_as_current_span("before"):
        pass
    with tracer.start_as_current_span("bad\ud800name", attributes={"k\ud800": "v\udfff", "ok": 1}):
        pass
    with tracer.start_as_current_span("after"):
        pass
    decoded = ExportTraceServiceRequest.FromString(encode_spans(spans.finished()))
    sent = decoded.resource_spans[0].scope_spans[0].spans
    assert [span.name for span in sent] == ["before", "bad?name", "after"]
    assert {kv.key: kv.value for kv in sent[1].attributes} == {
        "k?": AnyValue(string_value="v?"),
        "ok": AnyValue(int_value=1),
    }


def _decoded(encoded: bytes) -> KeyValue:
    """A cached KeyValue is length-prefixed: a one-byte length for these small ones."""
    assert encoded[0] == len(encoded) - 1
    decoded: KeyValue = KeyValue.FromString(encoded[1:])
    return decoded


def test_the_cache_tells_bool_int_and_float_apart() -> None:
    kinds = {
        value_repr: _decoded(_values.key_value("k", value)).value.WhichOneof("value")
        for value_repr, value in (("True", True), ("1", 1), ("1.0", 1.0))
    }
    assert kinds == {"True": "bool_value", "1": "int_value", "1.0": "double_value"}
    zero, negative_zero = (
        _decoded(_values.key_value("z", v)).value.double_value for v in (0.0, -0.0)
    )
    assert math.copysign(1, zero) == 1
    assert math.copysign(1, negative_zero) == -1
    assert _values.key_value("k", False) != _values.key_value("k", 0)


def test_a_value_seen_twice_encodes_the_same_from_the_cache() -> None:
    first = _values.key_value("db.system.name", "postgresql")
    assert _values.key_value("db.system.name", "postgresql") is first
    assert _decoded(first) == KeyValue(
        key="db.system.name", value=AnyValue(string_value="postgresql")
    )


def test_the_cache_stays_bounded_and_skips_long_strings() -> None:
    for n in range(_values.KV_CACHE_BOUND + 100):
        _values.key_value("request.id", n)
    assert 0 < _values.cache_size() <= _values.KV_CACHE_BOUND
    before = _values.cache_size()
    long_text = "x" * (_values.MAX_CACHED_LENGTH + 1)
    assert _values.key_value("db.query.text", long_text) == _values.key_value(
        "db.query.text", long_text
    )
    assert _values.cache_size() == before


def test_a_hand_made_readable_span_encodes_as_upstream() -> None:
    """Spans not made by a tracer (plain dict attributes, plain lists) take the public path."""
    from opentelemetry.sdk.trace import Event as SdkEvent

    span = ReadableSpan(
        name="imported",
        context=SpanContext(trace_id=1, span_id=2, is_remote=False),
        parent=REMOTE_PARENT,
        resource=RESOURCE,
        attributes={"plain": "dict", "n": 3},
        events=[SdkEvent("e", {"k": 1}, timestamp=5)],
        links=[Link(REMOTE_PARENT, {"l": True})],
        kind=SpanKind.PRODUCER,
        status=Status(StatusCode.ERROR, "failed"),
        start_time=10,
        end_time=20,
    )
    assert_same_traces([span])
