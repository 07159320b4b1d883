"""The handle ``configure()`` returns: inspect, flush and shut down what was configured."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from huleedu_otel._setup import startup as _startup
from huleedu_otel._setup.notice import notice
from huleedu_otel._setup.settings import TelemetrySettings

if TYPE_CHECKING:
    from opentelemetry.sdk.resources import Resource

    from huleedu_otel._setup.prometheus.endpoint import MetricsEndpoint
    from huleedu_otel._setup.providers import Telemetry

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
        endpoint = self.metrics_endpoint
        return None if endpoint is None else endpoint.port

    @property
    def metrics_endpoint(self) -> MetricsEndpoint | None:
        """What serves this process's metrics to Prometheus, if anything does."""
        return self._telemetry.prometheus if self._telemetry else None

    @property
    def instrumented(self) -> tuple[str, ...]:
        return tuple(self._telemetry.instrumented) if self._telemetry else ()

    def describe(self, also_loaded: Sequence[str] = ()) -> str:
        """The startup line; ``also_loaded`` names instrumentors the launcher loaded itself."""
        endpoint = self.metrics_endpoint
        described = None if endpoint is None else endpoint.describe()
        return _startup.describe(self.settings, described, [*self.instrumented, *also_loaded])

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
        """Flush and stop exporters and the ``/metrics`` server, within ``timeout_millis``.

        The three pipelines shut down in parallel, each on its own daemon thread: an exporter
        retrying against an unreachable collector can take its full export timeout per signal,
        and a service's shutdown must not wait for that. What is not flushed in time is lost.
        Safe to call twice.
        """
        with self._shutdown_lock:
            if self._is_shut_down or self._telemetry is None:
                return
            self._is_shut_down = True
        t = self._telemetry
        if t.prometheus is not None:  # first: a worker's final state must still have everything
            t.prometheus.close()
        t.loop_monitor.uninstall()
        t.process_metrics.uninstrument()
        unfinished = _run_with_deadline(
            {
                "traces": t.tracer_provider.shutdown,
                "metrics": lambda: t.meter_provider.shutdown(timeout_millis=timeout_millis),
                "logs": t.logger_provider.shutdown,
            },
            timeout_millis / 1000,
        )
        if unfinished:
            notice(
                _log,
                logging.WARNING,
                "Telemetry shutdown gave up after %.1fs on %s; unexported data is dropped",
                timeout_millis / 1000,
                ", ".join(unfinished),
            )


def _run_with_deadline(steps: dict[str, Callable[[], object]], seconds: float) -> list[str]:
    """Run the steps in parallel; return the names of those still running at the deadline."""
    threads = {
        name: threading.Thread(
            target=_guarded, args=(name, step), name=f"huleedu-otel-shutdown-{name}", daemon=True
        )
        for name, step in steps.items()
    }
    for thread in threads.values():
        thread.start()
    deadline = time.monotonic() + seconds
    for thread in threads.values():
        thread.join(max(0.0, deadline - time.monotonic()))
    return [name for name, thread in threads.items() if thread.is_alive()]


def _guarded(name: str, step: Callable[[], object]) -> None:
    try:
        step()
    except Exception:
        _log.exception("Shutting down the %s pipeline failed", name)
