"""The handle ``configure()`` returns: inspect, flush and shut down what was configured."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from huleedu_otel import _startup
from huleedu_otel._settings import TelemetrySettings

if TYPE_CHECKING:
    from opentelemetry.sdk.resources import Resource

    from huleedu_otel._providers import Telemetry

_log = logging.getLogger(__name__)


class TelemetryHandle:
    """What one configuration set up; ``shutdown()`` flushes and stops it, once."""

    def __init__(self, settings: TelemetrySettings, telemetry: Telemetry | None) -> None:
        self.settings = settings
        self._telemetry = telemetry
        self._shutdown_lock = threading.Lock()
        self._is_shut_down = False

    @property
    def enabled(self) -> bool:
        return self._telemetry is not None

    @property
    def resource(self) -> Resource | None:
        return self._telemetry.resource if self._telemetry else None

    @property
    def prometheus_port(self) -> int | None:
        """The port ``/metrics`` is served on, or ``None`` when it is not served."""
        if self._telemetry is None or self._telemetry.prometheus is None:
            return None
        return self._telemetry.prometheus.port

    @property
    def instrumented(self) -> tuple[str, ...]:
        return tuple(self._telemetry.instrumented) if self._telemetry else ()

    def describe(self) -> str:
        return _startup.describe(self.settings, self.prometheus_port, list(self.instrumented))

    def force_flush(self, timeout_millis: int = 5_000) -> bool:
        """Export everything buffered now; ``False`` when a signal did not finish in time."""
        t = self._telemetry
        if t is None:
            return True
        results = [
            t.tracer_provider.force_flush(timeout_millis),
            t.meter_provider.force_flush(timeout_millis),
            t.logger_provider.force_flush(timeout_millis),
        ]
        return all(results)

    def shutdown(self, timeout_millis: int = 5_000) -> None:
        """Flush and stop exporters and the ``/metrics`` server; safe to call twice."""
        with self._shutdown_lock:
            if self._is_shut_down or self._telemetry is None:
                return
            self._is_shut_down = True
        t = self._telemetry
        t.loop_monitor.uninstall()
        t.process_metrics.uninstrument()
        for name, stop in (
            ("traces", lambda: t.tracer_provider.shutdown()),
            ("metrics", lambda: t.meter_provider.shutdown(timeout_millis=timeout_millis)),
            ("logs", lambda: t.logger_provider.shutdown()),
        ):
            try:
                stop()
            except Exception:
                _log.exception("Shutting down the %s pipeline failed", name)
        if t.prometheus is not None:
            t.prometheus.close()
