"""``ExportLogsServiceRequest`` bytes for a batch of SDK log records.

The same fields as upstream's log encoder, in field-number order: times, severity, body (always
present; empty for ``None``), attributes, dropped count, trace flags, trace and span ids (left
out when 0) and event name. Where upstream would fail the whole batch (a body of a type OTLP
cannot carry), this reports once and sends the record with an empty body instead.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from opentelemetry.sdk._logs import ReadableLogRecord
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.util.instrumentation import InstrumentationScope

from huleedu_otel._setup.otlp._request import encode_request
from huleedu_otel._setup.otlp._values import any_value, attributes, text_field
from huleedu_otel._setup.otlp._wire import delimited, fixed32, fixed64, varint
from huleedu_service_libs._shared.report_once import ReportOnce

__all__ = ["encode_logs"]

_report = ReportOnce(
    logging.getLogger(__name__),
    "Telemetry could not encode a log body of type %s for OTLP; the record is sent without it",
)


#: LogRecord.body is field 5; a str body (the common case) is AnyValue.string_value, field 1.
_BODY = b"\x2a"


def _body(body: object) -> bytes:
    if type(body) is str:
        inner = text_field(b"\x0a", body) or b"\x0a\x00"
        return _BODY + delimited(inner)
    try:
        return _BODY + delimited(any_value(body))
    except Exception:
        _report(type(body).__name__)
        return _BODY + b"\x00"


def _record(readable: ReadableLogRecord) -> bytes:
    record = readable.log_record
    parts = []
    if record.timestamp:
        parts.append(b"\x09" + fixed64(record.timestamp))
    severity = getattr(record.severity_number, "value", None)
    if severity:
        parts.append(b"\x10" + varint(severity))
    if record.severity_text:
        parts.append(text_field(b"\x1a", record.severity_text))
    parts.append(_body(record.body))
    parts.append(attributes(b"\x32", record.attributes))
    if readable.dropped_attributes:
        parts.append(b"\x38" + varint(readable.dropped_attributes))
    flags = int(record.trace_flags or 0)
    if flags:
        parts.append(b"\x45" + fixed32(flags))
    if record.trace_id:
        parts.append(b"\x4a\x10" + record.trace_id.to_bytes(16, "big"))
    if record.span_id:
        parts.append(b"\x52\x08" + record.span_id.to_bytes(8, "big"))
    if record.observed_timestamp:
        parts.append(b"\x59" + fixed64(record.observed_timestamp))
    if record.event_name:
        parts.append(text_field(b"\x62", record.event_name))
    return delimited(b"".join(parts))


def _origin(readable: ReadableLogRecord) -> tuple[Resource, InstrumentationScope | None]:
    return readable.resource, readable.instrumentation_scope or None


def encode_logs(batch: Sequence[ReadableLogRecord]) -> bytes:
    """The serialised ``ExportLogsServiceRequest`` for ``batch``."""
    return encode_request(batch, _origin, _record)
