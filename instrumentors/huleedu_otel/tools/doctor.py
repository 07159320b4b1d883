"""``huleedu-otel doctor``: what the launcher would configure here, and whether it can work.

It resolves the same :class:`TelemetrySettings` the Configurator uses, lists the instrumentors
that would load and the contrib ones kept off, and checks that the OTLP endpoint answers. Exit
codes: 0 all good, 1 the endpoint does not answer, 2 a setting is invalid.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from importlib.metadata import entry_points
from urllib.parse import urlsplit

from huleedu_otel._setup import instrumentors as _instrumentors
from huleedu_otel._setup.settings import (
    CONTRIB_OPT_IN_VAR,
    ConfigurationError,
    TelemetrySettings,
)
from huleedu_service_libs._shared.redaction import redact_url

Printer = Callable[[str], None]


def run(echo: Printer = print, timeout: float = 3.0) -> int:
    try:
        settings = TelemetrySettings.from_env()
    except ConfigurationError as exc:
        echo(f"✗ invalid setting: {exc}")
        return 2
    _print_settings(settings, echo)
    _print_instrumentors(settings, echo)
    return _check_endpoint(settings, echo, timeout)


def _print_settings(s: TelemetrySettings, echo: Printer) -> None:
    echo("Configuration")
    echo(f"  service           {s.service_name} {s.service_version} ({s.environment})")
    if s.sdk_disabled:
        echo("  OTEL_SDK_DISABLED=true: nothing will be configured")
    echo(f"  traces            {', '.join(s.traces_exporters) or 'off'}")
    echo(f"  metrics           {', '.join(s.metrics_exporters) or 'off'}")
    echo(f"  logs              {', '.join(s.logs_exporters) or 'off'}")
    echo(f"  OTLP              {s.otlp_protocol} → {redact_url(s.otlp_endpoint)}")
    if "prometheus" in s.metrics_exporters:
        state = "free" if _port_free(s.prometheus_host, s.prometheus_port) else "IN USE"
        echo(f"  /metrics          {s.prometheus_host}:{s.prometheus_port} (port {state})")


def _print_instrumentors(s: TelemetrySettings, echo: Printer) -> None:
    echo("Instrumentors")
    disabled = _instrumentors.disabled_names()
    for ep in sorted(entry_points(group=_instrumentors.GROUP), key=lambda e: e.name):
        if ep.name in _instrumentors.MANAGED_BY_CONFIGURATOR:
            verdict = "loaded by the configurator"
        elif ep.name in disabled:
            verdict = "disabled (OTEL_PYTHON_DISABLED_INSTRUMENTATIONS)"
        elif not s.contrib_allowed(ep.name):
            verdict = f"kept off: HuleEdu's own covers it (opt in with {CONTRIB_OPT_IN_VAR})"
        else:
            verdict = "will load" if _importable(ep.value) else "not installed"
        echo(f"  {ep.name:<22} {verdict}")


def _check_endpoint(s: TelemetrySettings, echo: Printer, timeout: float) -> int:
    if not any(
        "otlp" in names for names in (s.traces_exporters, s.metrics_exporters, s.logs_exporters)
    ):
        echo("OTLP off: nothing to check")
        return 0
    parts = urlsplit(s.otlp_endpoint)
    default_port = 4317 if s.otlp_protocol == "grpc" else 4318
    host, port = parts.hostname or "", parts.port or default_port
    if parts.scheme not in {"http", "https"} or not host:
        echo(f"✗ OTEL_EXPORTER_OTLP_ENDPOINT={redact_url(s.otlp_endpoint)} is not an http(s) URL")
        return 2
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except OSError as exc:
        reason = exc.strerror or exc
        echo(
            f"✗ the OTLP endpoint {redact_url(s.otlp_endpoint)} does not answer ({reason}): "
            "start the collector, or set OTEL_EXPORTER_OTLP_ENDPOINT to where it listens "
            f"(e.g. http://otel-collector:{default_port})"
        )
        return 1
    echo(f"✓ the OTLP endpoint {redact_url(s.otlp_endpoint)} answers")
    return 0


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def _importable(target: str) -> bool:
    import importlib.util

    module = target.split(":", 1)[0]
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False
