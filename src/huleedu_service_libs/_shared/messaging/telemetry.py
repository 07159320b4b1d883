"""The tracer and instruments of the messaging contract, made once per provider pair."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from types import TracebackType

from opentelemetry import metrics, trace
from opentelemetry.context import _SUPPRESS_INSTRUMENTATION_KEY, get_value

from huleedu_service_libs._shared.buckets import MESSAGING_SECONDS
from huleedu_service_libs._shared.messaging import semconv as sc

_log = logging.getLogger("huleedu_service_libs.messaging")
_SCOPE = "huleedu_service_libs.messaging"
_reported: set[str] = set()


@dataclass(frozen=True, slots=True)
class MessagingTelemetry:
    tracer: trace.Tracer
    sent: metrics.Counter
    consumed: metrics.Counter
    operation_duration: metrics.Histogram
    process_duration: metrics.Histogram

    @classmethod
    def create(
        cls,
        tracer_provider: trace.TracerProvider | None = None,
        meter_provider: metrics.MeterProvider | None = None,
    ) -> MessagingTelemetry:
        """Instruments from the given providers, or from the global ones (no-ops without an SDK)."""
        meter = metrics.get_meter(_SCOPE, meter_provider=meter_provider)
        seconds = list(MESSAGING_SECONDS)
        return cls(
            tracer=trace.get_tracer(_SCOPE, tracer_provider=tracer_provider),
            sent=meter.create_counter(sc.SENT_MESSAGES, unit="{message}"),
            consumed=meter.create_counter(sc.CONSUMED_MESSAGES, unit="{message}"),
            operation_duration=meter.create_histogram(
                sc.OPERATION_DURATION, unit="s", explicit_bucket_boundaries_advisory=seconds
            ),
            process_duration=meter.create_histogram(
                sc.PROCESS_DURATION, unit="s", explicit_bucket_boundaries_advisory=seconds
            ),
        )


def suppressed() -> bool:
    """True inside ``suppress_instrumentation()``: emit nothing, just do the work."""
    return bool(get_value(_SUPPRESS_INSTRUMENTATION_KEY))


class NeverRaises:
    """Telemetry never breaks business code: log the first failure of ``what``, swallow all.

    A class, not ``@contextmanager``: it sits on every message's path, and a generator-based
    context manager costs several times more per use.
    """

    __slots__ = ("_what",)

    def __init__(self, what: str) -> None:
        self._what = what

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        if exc is None or not isinstance(exc, Exception):
            return False
        if self._what not in _reported:
            _reported.add(self._what)
            _log.warning(
                "Kafka telemetry failed in %s; messages are unaffected", self._what, exc_info=exc
            )
        return True
