"""How a stdlib ``logging.LogRecord`` becomes an OTel log record, for structlog and for the rest.

A record that structlog handed to stdlib (``ProcessorFormatter.wrap_for_formatter``) carries the
processed event dictionary as its ``msg``: it is translated from that dictionary (body = the
event, attributes = its fields) instead of from the dictionary's ``repr``. Every other record
keeps the stock translation, gains what is bound in structlog's contextvars (the correlation id),
and has its body and attributes redacted.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from time import time_ns
from typing import Any, cast

import structlog
from opentelemetry._logs import LogRecord
from opentelemetry.context import get_current
from opentelemetry.instrumentation.log_utils import std_to_otel
from opentelemetry.util.types import AnyValue

from huleedu_service_libs._shared.exception_text import exception_attributes
from huleedu_service_libs._shared.redaction import redact_mapping, redact_value

__all__ = ["from_structlog_record", "is_structlog_record", "placeholder", "with_bound_context"]

#: Keys that are part of the log record itself, or structlog's plumbing, not attributes.
_NOT_ATTRIBUTES = frozenset(
    {"event", "level", "timestamp", "logger", "trace_id", "span_id", "exc_info", "stack_info"}
)
_RENAMED = {
    "exception": "exception.stacktrace",
    "stack": "code.stacktrace",
    "filename": "code.file.path",
    "func_name": "code.function.name",
    "lineno": "code.line.number",
}
_OTEL_SEVERITY_TEXT = {"WARNING": "WARN", "CRITICAL": "FATAL"}


def is_structlog_record(record: logging.LogRecord) -> bool:
    """Whether structlog's ``wrap_for_formatter`` made it (ProcessorFormatter's own test)."""
    fields = vars(record)
    return "_logger" in fields and "_name" in fields and isinstance(record.msg, dict)


def from_structlog_record(record: logging.LogRecord) -> LogRecord:
    """The OTel log record for a structlog event: body, severity, attributes, current context."""
    event_dict = redact_mapping(cast(dict[str, Any], record.msg))
    return LogRecord(
        timestamp=int(record.created * 1e9),
        observed_timestamp=time_ns(),
        context=get_current(),
        severity_text=_OTEL_SEVERITY_TEXT.get(record.levelname, record.levelname),
        severity_number=std_to_otel(record.levelno),
        body=str(event_dict.get("event", "")),
        attributes=_attributes(event_dict),
    )


def with_bound_context(log_record: LogRecord, record: logging.LogRecord) -> LogRecord:
    """Add the context bound in structlog's contextvars and mask secrets, in place; an
    exception's message and stacktrace are made safe (database errors quote data)."""
    bound = structlog.contextvars.get_contextvars()
    attributes = {**_attributes(bound), **(log_record.attributes or {})}
    if record.exc_info and record.exc_info[1] is not None:
        attributes.update(exception_attributes(record.exc_info[1]))
    log_record.attributes = redact_mapping(attributes) if attributes else None
    log_record.body = redact_value(log_record.body)
    return log_record


def placeholder(record: logging.LogRecord) -> LogRecord:
    """What is sent when translating failed: the severity and time, never the unredacted text."""
    return LogRecord(
        timestamp=int(record.created * 1e9),
        context=get_current(),
        severity_number=std_to_otel(record.levelno),
        body="(log record could not be translated; see the service's own log output)",
    )


def _attributes(event_dict: Mapping[str, Any]) -> dict[str, AnyValue]:
    return {
        _RENAMED.get(key, key): _attribute_value(value)
        for key, value in event_dict.items()
        if key not in _NOT_ATTRIBUTES and not key.startswith("_") and value is not None
    }


def _attribute_value(value: Any) -> AnyValue:
    """Values OTel accepts pass as they are; anything else is sent as its ``str``."""
    if isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, Mapping):
        return {str(k): _attribute_value(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        return [_attribute_value(item) for item in value]
    return str(value)
