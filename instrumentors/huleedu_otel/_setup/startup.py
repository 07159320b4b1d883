"""The one startup line that says what was configured."""

from __future__ import annotations

import logging

from huleedu_otel._setup.notice import notice
from huleedu_otel._setup.settings import TelemetrySettings
from huleedu_service_libs._shared.redaction import redact_url

_log = logging.getLogger("huleedu_otel")


def describe(settings: TelemetrySettings, prometheus: str | None, loaded: list[str]) -> str:
    """``prometheus`` is what the metrics endpoint says of itself; ``None`` when there is none."""
    otlp_signals = [
        signal
        for signal, names in (
            ("traces", settings.traces_exporters),
            ("metrics", settings.metrics_exporters),
            ("logs", settings.logs_exporters),
        )
        if "otlp" in names
    ]
    endpoint = redact_url(settings.otlp_endpoint)
    otlp = (
        f"otlp/{settings.otlp_protocol} {endpoint} ({','.join(otlp_signals)})"
        if otlp_signals
        else "otlp off"
    )
    if "prometheus" not in settings.metrics_exporters:
        prom = "prometheus off"
    elif prometheus is None:
        prom = f"prometheus unavailable (port {settings.prometheus_port} in use)"
    else:
        prom = prometheus
    return (
        f"huleedu_otel configured service={settings.service_name} "
        f"version={settings.service_version} environment={settings.environment}; "
        f"{otlp}; {prom}; instrumentors={','.join(sorted(loaded)) or 'none'}"
    )


def report(line: str) -> None:
    notice(_log, logging.INFO, line)
