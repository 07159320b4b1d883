"""Keep what callers send in trace headers out of the logs.

The OpenTelemetry API's propagators warn about malformed incoming ``baggage`` and ``tracestate``
and quote the offending text: a 1 MB ``baggage`` header is logged whole, and a header of a few
thousand bad members logs a warning per member. Those warnings go wherever the service's logs go
(OTLP included), so any caller could fill them. :class:`MalformedContextFilter` keeps the signal
(one warning per kind per minute) without the caller's text (each quoted value becomes its
length).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

__all__ = ["MalformedContextFilter", "quiet_propagation_warnings"]

#: The API modules that quote incoming header text in their warnings.
PROPAGATION_LOGGERS = ("opentelemetry.baggage.propagation", "opentelemetry.trace.span")
INTERVAL_SECONDS = 60.0


class MalformedContextFilter(logging.Filter):
    """At most one record per message template per interval, with quoted text replaced."""

    def __init__(
        self, interval: float = INTERVAL_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__()
        self._interval = interval
        self._clock = clock
        self._last: dict[str, float] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        template = str(record.msg)
        now = self._clock()
        last = self._last.get(template)
        if last is not None and now - last < self._interval:
            return False
        self._last[template] = now
        if isinstance(record.args, tuple):
            record.args = tuple(_described(arg) for arg in record.args)
        return True


def _described(arg: object) -> object:
    return f"<{len(arg)} characters>" if isinstance(arg, str) else arg


def quiet_propagation_warnings() -> None:
    """Install the filter on the propagators' loggers (once; repeating changes nothing)."""
    for name in PROPAGATION_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, MalformedContextFilter) for f in logger.filters):
            logger.addFilter(MalformedContextFilter())
