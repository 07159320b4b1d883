"""The tracer and instruments of the messaging contract, made once per provider pair."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from opentelemetry import metrics, trace
from opentelemetry.context import _SUPPRESS_INSTRUMENTATION_KEY, get_value

from huleedu_service_libs._shared.buckets import MESSAGING_SECONDS
from huleedu_service_libs._shared.messaging import semconv as sc
from huleedu_service_libs._shared.report_once import ReportOnce

_SCOPE = "huleedu_service_libs.messaging"
_report = ReportOnce(
    logging.getLogger("huleedu_service_libs.messaging"),
    "Kafka telemetry failed in %s; messages are unaffected",
    level=logging.WARNING,
    repeats=None,
)


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


#: Telemetry never breaks business code: ``with never_raises("send span end"): ...`` swallows
#: any exception of the block and logs the first of each kind (a bound method: one call less on
#: every message's path).
never_raises = _report.suppressing
