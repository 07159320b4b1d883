"""``configure()``: the whole telemetry setup from code, once per process."""

from __future__ import annotations

import atexit
import logging
import threading

from huleedu_otel._setup import instrumentors as _instrumentors
from huleedu_otel._setup import providers as _providers
from huleedu_otel._setup import startup as _startup
from huleedu_otel._setup.handle import TelemetryHandle
from huleedu_otel._setup.notice import notice
from huleedu_otel._setup.process_role import when_hypercorn_supervises
from huleedu_otel._setup.prometheus.endpoint import PrometheusEndpoint
from huleedu_otel._setup.prometheus.supervisor import serve_workers
from huleedu_otel._setup.settings import TelemetrySettings

_log = logging.getLogger(__name__)
_lock = threading.Lock()
_active: TelemetryHandle | None = None


def configure(
    service_name: str | None = None,
    *,
    service_version: str | None = None,
    environment: str | None = None,
    instrument: bool = True,
) -> TelemetryHandle:
    """Set up traces, metrics and logs (OTLP plus Prometheus ``/metrics``) for this process.

    ``OTEL_*`` variables override the arguments. With ``instrument`` our instrumentors for the
    libraries that are installed are switched on, as the ``opentelemetry-instrument`` launcher
    does. A second call changes nothing, says so, and returns the first call's handle.
    """
    handle = _configure(
        TelemetrySettings.from_env(
            service_name, service_version=service_version, environment=environment
        ),
        load_instrumentors=instrument,
    )
    return handle


def _configure(settings: TelemetrySettings, *, load_instrumentors: bool) -> TelemetryHandle:
    global _active
    with _lock:
        if _active is not None:
            notice(
                _log,
                logging.WARNING,
                "huleedu_otel is already configured (service=%s); this call changes nothing",
                _active.settings.service_name,
            )
            return _active
        if settings.sdk_disabled:
            _log.info("OTEL_SDK_DISABLED=true: telemetry stays off")
            _active = TelemetryHandle(settings, None)
            return _active
        telemetry = _providers.install(settings)
        _active = TelemetryHandle(settings, telemetry)
        atexit.register(_active.shutdown)
        if isinstance(telemetry.prometheus, PrometheusEndpoint):
            # Should this process go on to run hypercorn with workers, its port serves theirs.
            when_hypercorn_supervises(serve_workers(telemetry.prometheus, telemetry.resource))
    if load_instrumentors:
        telemetry.instrumented.extend(_instrumentors.load_ours())
        _startup.report(_active.describe())
    return _active


def active() -> TelemetryHandle | None:
    """The handle of this process's configuration, if any."""
    return _active
