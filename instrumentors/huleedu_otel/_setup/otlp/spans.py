"""``ExportTraceServiceRequest`` bytes for a batch of finished SDK spans.

The same fields as upstream's trace encoder (opentelemetry-exporter-otlp-proto-common), fields
written in field-number order: ids, trace_state joined ``k=v,...``, parent id, name, kind, times,
attributes, events, links, dropped counts, a status that is always present, and the flags that
say the parent's remoteness is known (and whether it is remote).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Event, ReadableSpan
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import Link, SpanContext, SpanKind, Status
from opentelemetry.trace.span import TraceState

from huleedu_otel._setup.otlp._request import encode_request
from huleedu_otel._setup.otlp._values import attributes
from huleedu_otel._setup.otlp._wire import varint

__all__ = ["encode_spans"]

_fixed64 = struct.Struct("<Q").pack
#: Span.kind (field 6): the OTLP enum is the SDK's value plus one (0 is UNSPECIFIED there).
_KIND = {kind: b"\x30" + varint(kind.value + 1) for kind in SpanKind}
#: SpanFlags: CONTEXT_HAS_IS_REMOTE (0x100), plus CONTEXT_IS_REMOTE (0x200) for a remote parent.
_HAS_IS_REMOTE = 0x100
_IS_REMOTE = 0x200
_SPAN_FLAGS = {
    False: b"\x85\x01" + struct.pack("<I", _HAS_IS_REMOTE),
    True: b"\x85\x01" + struct.pack("<I", _HAS_IS_REMOTE | _IS_REMOTE),
}
_LINK_FLAGS = {
    False: b"\x35" + struct.pack("<I", _HAS_IS_REMOTE),
    True: b"\x35" + struct.pack("<I", _HAS_IS_REMOTE | _IS_REMOTE),
}
_EMPTY_STATUS = b"\x7a\x00"


def _delimited(payload: bytes) -> bytes:
    return varint(len(payload)) + payload


def _trace_state(state: TraceState | None) -> bytes:
    if not state:
        return b""
    joined = ",".join([f"{key}={value}" for key, value in state.items()])
    return b"\x1a" + _delimited(joined.encode()) if joined else b""


def _event(event: Event) -> bytes:
    parts = []
    if event.timestamp:
        parts.append(b"\x09" + _fixed64(event.timestamp))
    if event.name:
        parts.append(b"\x12" + _delimited(event.name.encode()))
    parts.append(attributes(b"\x1a", event.attributes))
    if event.dropped_attributes:
        parts.append(b"\x20" + varint(event.dropped_attributes))
    return b"\x5a" + _delimited(b"".join(parts))


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
    return b"\x6a" + _delimited(b"".join(parts))


def _status(status: Status | None) -> bytes:
    if status is None:
        return b""
    code = status.status_code.value
    if not code and not status.description:
        return _EMPTY_STATUS
    body = b"\x12" + _delimited(status.description.encode()) if status.description else b""
    if code:
        body += b"\x18" + varint(code)
    return b"\x7a" + _delimited(body)


def _span(span: ReadableSpan) -> bytes:
    context = span.get_span_context()
    assert context is not None  # a finished SDK span always has one
    parent: SpanContext | None = span.parent
    parts = [
        b"\x0a\x10" + context.trace_id.to_bytes(16, "big"),
        b"\x12\x08" + context.span_id.to_bytes(8, "big"),
        _trace_state(context.trace_state),
    ]
    if parent:
        parts.append(b"\x22\x08" + parent.span_id.to_bytes(8, "big"))
    if span.name:
        parts.append(b"\x2a" + _delimited(span.name.encode()))
    parts.append(_KIND[span.kind])
    if span.start_time:
        parts.append(b"\x39" + _fixed64(span.start_time))
    if span.end_time:
        parts.append(b"\x41" + _fixed64(span.end_time))
    parts.append(attributes(b"\x4a", span.attributes))
    if span.dropped_attributes:
        parts.append(b"\x50" + varint(span.dropped_attributes))
    parts.extend([_event(event) for event in span.events])
    if span.dropped_events:
        parts.append(b"\x60" + varint(span.dropped_events))
    parts.extend([_link(link) for link in span.links])
    if span.dropped_links:
        parts.append(b"\x70" + varint(span.dropped_links))
    parts.append(_status(span.status))
    parts.append(_SPAN_FLAGS[bool(parent and parent.is_remote)])
    return _delimited(b"".join(parts))


def _origin(span: ReadableSpan) -> tuple[Resource, InstrumentationScope | None]:
    return span.resource, span.instrumentation_scope or None


def encode_spans(spans: Sequence[ReadableSpan]) -> bytes:
    """The serialised ``ExportTraceServiceRequest`` for ``spans``."""
    return encode_request(spans, _origin, _span)
