"""Resolve the telemetry configuration from code arguments and the standard ``OTEL_*`` variables.

One immutable :class:`TelemetrySettings` is the single source of truth that the providers,
the startup report and ``huleedu-otel doctor`` all read, so they can never disagree.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

DEFAULT_OTLP_GRPC_ENDPOINT = "http://localhost:4317"
DEFAULT_OTLP_HTTP_ENDPOINT = "http://localhost:4318"
DEFAULT_PROMETHEUS_HOST = "0.0.0.0"
DEFAULT_PROMETHEUS_PORT = 9464
DEFAULT_SERVICE_VERSION = "1.0.0"
DEFAULT_ENVIRONMENT = "development"
UNKNOWN_SERVICE = "unknown_service"

#: Contrib instrumentors (entry-point names) that overlap ours and stay off unless opted in.
OVERLAPPING_CONTRIB = frozenset({"asgi", "aiokafka", "redis", "sqlalchemy", "structlog", "asyncpg"})
#: Opt back in to overlapping contrib instrumentors: a comma list of entry-point names, or ``all``.
CONTRIB_OPT_IN_VAR = "HULEEDU_OTEL_CONTRIB_OPT_IN"
#: Most attribute sets one metric keeps per reader; the rest fold into the overflow point.
CARDINALITY_LIMIT_VAR = "HULEEDU_OTEL_METRIC_CARDINALITY_LIMIT"
DEFAULT_CARDINALITY_LIMIT = 2000
#: ``false`` keeps the garbage collector as Python sets it (see ``_setup/heap.py``).
GC_FREEZE_VAR = "HULEEDU_OTEL_GC_FREEZE"


class ConfigurationError(ValueError):
    """A telemetry setting has a value we cannot use; the message says what to change."""


@dataclass(frozen=True)
class TelemetrySettings:
    """Everything the distro configures, resolved once."""

    service_name: str
    service_version: str = DEFAULT_SERVICE_VERSION
    environment: str = DEFAULT_ENVIRONMENT
    traces_exporters: tuple[str, ...] = ("otlp",)
    metrics_exporters: tuple[str, ...] = ("otlp", "prometheus")
    logs_exporters: tuple[str, ...] = ("otlp",)
    otlp_protocol: str = "grpc"
    otlp_endpoint: str = DEFAULT_OTLP_GRPC_ENDPOINT
    prometheus_host: str = DEFAULT_PROMETHEUS_HOST
    prometheus_port: int = DEFAULT_PROMETHEUS_PORT
    contrib_opt_in: frozenset[str] = field(default_factory=frozenset)
    metric_cardinality_limit: int = DEFAULT_CARDINALITY_LIMIT
    sdk_disabled: bool = False
    gc_freeze: bool = True

    @classmethod
    def from_env(
        cls,
        service_name: str | None = None,
        *,
        service_version: str | None = None,
        environment: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> TelemetrySettings:
        """Standard ``OTEL_*`` variables beat code arguments, which beat ``SERVICE_*`` fallbacks."""
        env = os.environ if env is None else env
        protocol = _protocol(env)
        return cls(
            service_name=_service_name(env, service_name),
            service_version=service_version
            or env.get("SERVICE_VERSION")
            or DEFAULT_SERVICE_VERSION,
            environment=environment or env.get("ENVIRONMENT") or DEFAULT_ENVIRONMENT,
            traces_exporters=_exporters(env, "OTEL_TRACES_EXPORTER", "otlp"),
            metrics_exporters=_exporters(env, "OTEL_METRICS_EXPORTER", "otlp,prometheus"),
            logs_exporters=_exporters(env, "OTEL_LOGS_EXPORTER", "otlp"),
            otlp_protocol=protocol,
            otlp_endpoint=_otlp_endpoint(env, protocol),
            prometheus_host=env.get("OTEL_EXPORTER_PROMETHEUS_HOST") or DEFAULT_PROMETHEUS_HOST,
            prometheus_port=_port(env.get("OTEL_EXPORTER_PROMETHEUS_PORT")),
            contrib_opt_in=_opt_in(env.get(CONTRIB_OPT_IN_VAR, "")),
            metric_cardinality_limit=_cardinality_limit(env.get(CARDINALITY_LIMIT_VAR)),
            sdk_disabled=env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true",
            gc_freeze=env.get(GC_FREEZE_VAR, "").strip().lower() not in {"false", "0", "no", "off"},
        )

    def contrib_allowed(self, entry_point_name: str) -> bool:
        """Whether a contrib instrumentor may load next to ours."""
        if entry_point_name not in OVERLAPPING_CONTRIB:
            return True
        return "all" in self.contrib_opt_in or entry_point_name in self.contrib_opt_in


def _service_name(env: Mapping[str, str], from_code: str | None) -> str:
    return env.get("OTEL_SERVICE_NAME") or from_code or env.get("SERVICE_NAME") or UNKNOWN_SERVICE


def _protocol(env: Mapping[str, str]) -> str:
    value = env.get("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc").strip().lower()
    if value not in {"grpc", "http/protobuf"}:
        raise ConfigurationError(
            f"OTEL_EXPORTER_OTLP_PROTOCOL={value!r} is not supported: use 'grpc' or 'http/protobuf'"
        )
    return value


def _otlp_endpoint(env: Mapping[str, str], protocol: str) -> str:
    default = DEFAULT_OTLP_GRPC_ENDPOINT if protocol == "grpc" else DEFAULT_OTLP_HTTP_ENDPOINT
    return env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or default


def _exporters(env: Mapping[str, str], variable: str, default: str) -> tuple[str, ...]:
    names = tuple(n.strip().lower() for n in env.get(variable, default).split(",") if n.strip())
    known = {"otlp", "console", "none", "prometheus"}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ConfigurationError(f"{variable}={','.join(names)}: unknown exporter(s) {unknown}")
    return tuple(n for n in names if n != "none")


def _port(raw: str | None) -> int:
    if not raw:
        return DEFAULT_PROMETHEUS_PORT
    try:
        port = int(raw)
    except ValueError:
        raise ConfigurationError(f"OTEL_EXPORTER_PROMETHEUS_PORT={raw!r} is not a number") from None
    if not 0 <= port <= 65535:
        raise ConfigurationError(f"OTEL_EXPORTER_PROMETHEUS_PORT={port} is out of range")
    return port


def _cardinality_limit(raw: str | None) -> int:
    if not raw or not raw.strip():
        return DEFAULT_CARDINALITY_LIMIT
    try:
        limit = int(raw)
    except ValueError:
        raise ConfigurationError(f"{CARDINALITY_LIMIT_VAR}={raw!r} is not a number") from None
    if limit < 1:
        raise ConfigurationError(f"{CARDINALITY_LIMIT_VAR}={limit} must be at least 1")
    return limit


def _opt_in(raw: str) -> frozenset[str]:
    return frozenset(n.strip().lower() for n in raw.split(",") if n.strip())
