"""Export structlog events as OTel log records, once each, with trace context and no secrets.

Where the export happens: services route structlog through stdlib ``logging``
(``configure_service_logging`` does), and the configurator already puts OTel's
``LoggingHandler`` on the root logger, which exports every stdlib record. So that handler is the
one door for every event, structlog's and libraries' alike, and nothing is exported twice. What
this instrumentor adds is the translation: it wraps ``LoggingHandler._translate`` so a structlog
record is sent with the event as its body and the event's fields (already carrying the
correlation id, service and environment) as attributes, instead of a dictionary's ``repr``; a
library's record gains the context bound in structlog's contextvars; and every record's body and
attributes are redacted before export.

    from huleedu_otel.structlog import StructlogInstrumentor

    StructlogInstrumentor().instrument()
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from typing import Any

from opentelemetry._logs import LogRecord
from opentelemetry.instrumentation.instrumentor import (  # type: ignore[attr-defined]
    BaseInstrumentor,
)
from opentelemetry.instrumentation.logging import handler as otel_logging_handler
from opentelemetry.instrumentation.utils import unwrap
from wrapt import wrap_function_wrapper

from huleedu_otel.structlog import _translate
from huleedu_otel.structlog.package import _instruments
from huleedu_service_libs._shared.report_once import ReportOnce

__all__ = ["StructlogInstrumentor"]

_log = logging.getLogger(__name__)


class StructlogInstrumentor(BaseInstrumentor):  # type: ignore[misc]
    """Teach the OTel logging bridge to translate structlog events and redact every record."""

    def instrumentation_dependencies(self) -> Collection[str]:
        return _instruments

    def _instrument(self, **kwargs: Any) -> None:
        wrap_function_wrapper(
            otel_logging_handler, "LoggingHandler._translate", _translate_wrapper()
        )

    def _uninstrument(self, **kwargs: Any) -> None:
        unwrap(otel_logging_handler.LoggingHandler, "_translate")


def _translate_wrapper() -> Callable[..., LogRecord]:
    # Repeats are dropped, not logged at DEBUG: a report goes through this very handler.
    report = ReportOnce(
        _log, "Translating a %s for OTel failed; sending a placeholder", repeats=None
    )

    def translate(
        wrapped: Callable[[logging.LogRecord], LogRecord],
        instance: object,
        args: tuple[logging.LogRecord],
        kwargs: dict[str, Any],
    ) -> LogRecord:
        (record,) = args
        try:
            if _translate.is_structlog_record(record):
                return _translate.from_structlog_record(record)
            return _translate.with_bound_context(wrapped(record), record)
        except Exception:
            report("log record")
            return _translate.placeholder(record)

    return translate
