"""``ExportTraceServiceRequest`` bytes for a batch of finished SDK spans.

The same fields as upstream's trace encoder (opentelemetry-exporter-otlp-proto-common), fields
written in field-number order: ids, trace_state joined ``k=v,...``, parent id, name, kind, times,
attributes, events, links, dropped counts, a status that is always present, and the flags that
say the parent's remoteness is known (and whether it is remote).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from opentelemetry.attributes import BoundedAttributes
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Event, ReadableSpan
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import Link, SpanContext, SpanKind, Status, StatusCode
from opentelemetry.trace.span import TraceState

from huleedu_otel._setup.otlp._request import encode_request
from huleedu_otel._setup.otlp._values import attributes, text_field
from huleedu_otel._setup.otlp._wire import delimited, fixed32, fixed64, utf8, varint

__all__ = ["encode_spans"]


#: Span.kind (field 6): the OTLP enum is the SDK's value plus one (0 is UNSPECIFIED there).
_KIND = {kind: b"\x30" + varint(kind.value + 1) for kind in SpanKind}
#: SpanFlags: CONTEXT_HAS_IS_REMOTE (0x100), plus CONTEXT_IS_REMOTE (0x200) for a remote parent.
_HAS_IS_REMOTE = 0x100
_IS_REMOTE = 0x200
_SPAN_FLAGS = {
    False: b"\x85\x01" + fixed32(_HAS_IS_REMOTE),
    True: b"\x85\x01" + fixed32(_HAS_IS_REMOTE | _IS_REMOTE),
}
_LINK_FLAGS = {
    False: b"\x35" + fixed32(_HAS_IS_REMOTE),
    True: b"\x35" + fixed32(_HAS_IS_REMOTE | _IS_REMOTE),
}
#: Span.status (field 15) without a description: only the code (field 3), left out when UNSET.
_BARE_STATUS = {
    code: b"\x7a" + delimited(b"\x18" + varint(code.value) if code.value else b"")
    for code in StatusCode
}


def _trace_state(state: TraceState | None) -> bytes:
    if not state:
        return b""
    joined = ",".join([f"{key}={value}" for key, value in state.items()])
    return b"\x1a" + delimited(utf8(joined)) if joined else b""


def _event(event: Event) -> bytes:
    parts = []
    if event.timestamp:
        parts.append(b"\x09" + fixed64(event.timestamp))
    if event.name:
        parts.append(b"\x12" + delimited(utf8(event.name)))
    parts.append(attributes(b"\x1a", event.attributes))
    if event.dropped_attributes:
        parts.append(b"\x20" + varint(event.dropped_attributes))
    return b"\x5a" + delimited(b"".join(parts))


def _link(link: Link) -> bytes:
    context = link.context
    parts = [
        b"\x0a\x10" + context.trace_id.to_bytes(16, "big"),
        b"\x12\x08" + context.span_id.to_bytes(8, "big"),
        attributes(b"\x22", link.attributes),
    ]
    if link.dropped_attributes:
        parts.append(b"\x28" + varint(link.dropped_attributes))
    parts.append(_LINK_FLAGS[bool(context.is_remote)])
    return b"\x6a" + delimited(b"".join(parts))


def _status(status: Status | None) -> bytes:
    if status is None:
        return b""
    if not status.description:
        return _BARE_STATUS[status.status_code]
    body = b"\x12" + delimited(utf8(status.description))
    if status.status_code.value:
        body += b"\x18" + varint(status.status_code.value)
    return b"\x7a" + delimited(body)


def _span_attributes(span: ReadableSpan) -> Mapping[str, Any] | None:
    """The span's own BoundedAttributes where the SDK keeps them: its public ``attributes``
    wraps them in a new MappingProxyType, which hides the plain dict inside."""
    inner = getattr(span, "_attributes", None)
    return inner if isinstance(inner, BoundedAttributes) else span.attributes


def _recorded(span: ReadableSpan, private: str) -> bool:
    """False when the SDK's own list (events, links) is there and empty: the public property
    copies it into a new tuple, which costs more than the rest of an empty field."""
    inner = getattr(span, private, None)
    return inner is None or bool(inner)


def _span(span: ReadableSpan) -> bytes:
    context = span.get_span_context()
    assert context is not None  # a finished SDK span always has one
    parent: SpanContext | None = span.parent
    start, end = span.start_time, span.end_time
    dropped_attributes, dropped_events, dropped_links = (
        span.dropped_attributes,
        span.dropped_events,
        span.dropped_links,
    )
    parts = [
        b"\x0a\x10" + context.trace_id.to_bytes(16, "big"),
        b"\x12\x08" + context.span_id.to_bytes(8, "big"),
        _trace_state(context.trace_state),
        b"\x22\x08" + parent.span_id.to_bytes(8, "big") if parent else b"",
        text_field(b"\x2a", span.name),
        _KIND[span.kind],
        b"\x39" + fixed64(start) if start else b"",
        b"\x41" + fixed64(end) if end else b"",
        attributes(b"\x4a", _span_attributes(span)),
        b"\x50" + varint(dropped_attributes) if dropped_attributes else b"",
    ]
    if _recorded(span, "_events"):
        parts.extend([_event(event) for event in span.events])
    if dropped_events:
        parts.append(b"\x60" + varint(dropped_events))
    if _recorded(span, "_links"):
        parts.extend([_link(link) for link in span.links])
    if dropped_links:
        parts.append(b"\x70" + varint(dropped_links))
    parts.append(_status(span.status))
    parts.append(_SPAN_FLAGS[bool(parent and parent.is_remote)])
    return delimited(b"".join(parts))


def _origin(span: ReadableSpan) -> tuple[Resource, InstrumentationScope | None]:
    return span.resource, span.instrumentation_scope or None


def encode_spans(spans: Sequence[ReadableSpan]) -> bytes:
    """The serialised ``ExportTraceServiceRequest`` for ``spans``."""
    return encode_request(spans, _origin, _span)
