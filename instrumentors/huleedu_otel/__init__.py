"""HuleEdu's OpenTelemetry distribution.

``opentelemetry-instrument hypercorn app:app`` configures everything through the Distro and
Configurator registered by this package; services that prefer code call :func:`configure`.
"""

from huleedu_otel._setup.configure import configure
from huleedu_otel._setup.handle import TelemetryHandle
from huleedu_otel._setup.settings import ConfigurationError, TelemetrySettings
from huleedu_service_libs._shared.redaction import redact_url

__all__ = [
    "ConfigurationError",
    "TelemetryHandle",
    "TelemetrySettings",
    "configure",
    "redact_url",
]
