"""structlog processors the service logging chain is built from.

Each is a plain callable or a tiny ``__slots__`` class with structlog's processor signature, so a
test calls it directly: ``add_trace_context(None, "info", {"event": "x"})``.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from opentelemetry import trace
from structlog.typing import EventDict, WrappedLogger

from huleedu_service_libs._shared.exception_text import safe_stacktrace
from huleedu_service_libs._shared.redaction import redact_mapping

__all__ = [
    "ServiceContext",
    "add_trace_context",
    "console_location",
    "hand_to_stdlib",
    "lead_with_seed_keys",
    "redact_secrets",
    "rename_logger_key",
    "render_exception",
    "uppercase_level",
]

_get_current_span = trace.get_current_span


def add_trace_context(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    """Add ``trace_id`` (32 hex) and ``span_id`` (16 hex) of the current span, when there is one.

    Runs on every event, so it reads the span context once and formats only a valid one.
    """
    context = _get_current_span().get_span_context()
    if context.is_valid:
        event_dict["trace_id"] = format(context.trace_id, "032x")
        event_dict["span_id"] = format(context.span_id, "016x")
    return event_dict


def render_exception(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    """``exc_info`` rendered as ``exception``, as structlog's ``format_exc_info`` does, but
    with database errors' messages withheld (they quote statements and values)."""
    exc_info = event_dict.pop("exc_info", None)
    error = _exception_of(exc_info)
    if error is not None:
        event_dict["exception"] = safe_stacktrace(error)
    return event_dict


def _exception_of(exc_info: Any) -> BaseException | None:
    if isinstance(exc_info, BaseException):
        return exc_info
    if isinstance(exc_info, tuple):
        return exc_info[1] if len(exc_info) > 1 else None
    return sys.exc_info()[1] if exc_info else None


def redact_secrets(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    """Mask credential fields (nested too) and URL passwords before anything renders or exports.

    Returns a copy: the caller's dictionaries are never changed.
    """
    redacted: EventDict = redact_mapping(event_dict)
    return redacted


class ServiceContext:
    """Stamp every event with the service's name and environment, unless it carries its own."""

    __slots__ = ("_fields",)

    def __init__(self, service_name: str, environment: str) -> None:
        self._fields = {"service": service_name, "environment": environment}

    def __call__(self, _: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
        for key, value in self._fields.items():
            event_dict.setdefault(key, value)
        return event_dict


def uppercase_level(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    """Render the level as the seed's output shows it (``"INFO"``, not ``"info"``)."""
    level: Any = event_dict.get("level")
    if isinstance(level, str):
        event_dict["level"] = level.upper()
    return event_dict


def rename_logger_key(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    """Call the logger's name ``logger_name``, as the seed's JSON lines do."""
    if "logger" in event_dict:
        event_dict["logger_name"] = event_dict.pop("logger")
    return event_dict


_LOCATION_KEYS = ("logger_name", "filename", "func_name", "lineno")


def console_location(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    """Put ``logger:file:function:line`` before the message, as the seed's console lines show."""
    parts = [str(event_dict.pop(key)) for key in _LOCATION_KEYS if key in event_dict]
    if parts:
        event_dict["event"] = f"{':'.join(parts)} {event_dict.get('event', '')}"
    return event_dict


_LEADING_KEYS = ("timestamp", "level", "logger_name", "filename", "func_name", "lineno", "message")


def lead_with_seed_keys(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    """Order a JSON line as the seed's example does: when, level, where, message, then the rest."""
    ordered = {key: event_dict.pop(key) for key in _LEADING_KEYS if key in event_dict}
    ordered.update(event_dict)
    return ordered


class _StructlogEvent(dict[str, Any]):
    """An event dictionary whose text is its message, for handlers that read ``getMessage()``."""

    __slots__ = ()

    def __str__(self) -> str:
        return str(self.get("event", ""))


def hand_to_stdlib(
    logger: logging.Logger, method_name: str, event_dict: EventDict
) -> tuple[tuple[EventDict], dict[str, dict[str, Any]]]:
    """The last step: pass the event to stdlib logging for :class:`ProcessorFormatter`.

    Like ``ProcessorFormatter.wrap_for_formatter``, except that other handlers on the way see a
    readable record: its message is the event text (not a dictionary's ``repr``) and its extra
    fields are plain strings, which OTel's logging bridge can export as attributes.
    """
    return (_StructlogEvent(event_dict),), {"extra": {"_logger": logger.name, "_name": method_name}}
