"""HuleEdu's OpenTelemetry distribution.

``opentelemetry-instrument hypercorn app:app`` configures everything through the Distro and
Configurator registered by this package; services that prefer code call :func:`configure`.

What lives where:

- ``_setup/``: the SDK set-up pipeline, one module per step (settings → resource → exporters →
  providers and views → Prometheus → runtime metrics → handle); a new setting goes into
  ``_setup/settings.py``.
- ``distro/``: the Distro and Configurator that ``opentelemetry-instrument`` loads.
- ``quart/``, ``sqlalchemy/``, ``aiokafka/``, ``redis/``, ``structlog/``: one instrumentor per
  package (the class in ``__init__``, supported versions in ``package.py``); a new instrumentor
  is a new package here plus an entry point in ``pyproject.toml``.
- ``testing/``: test aids (capture, OTLP receiver, pytest plugin).
- ``tools/``: the ``huleedu-otel`` CLI (doctor, demo) and the example service; a new command is
  a module in ``tools/`` and a sub-parser in ``tools/cli.py``.

Rules shared with the library (redaction, report-once, bucket bounds, the Kafka spans) are
imported from ``huleedu_service_libs._shared``. See ARCHITECTURE.md.
"""

import typing

from huleedu_service_libs._shared.lazy import lazy_exports as _lazy_exports

if typing.TYPE_CHECKING:
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

__getattr__, __dir__ = _lazy_exports(
    __name__,
    {
        "._setup.configure": ("configure",),
        "._setup.handle": ("TelemetryHandle",),
        "._setup.settings": ("ConfigurationError", "TelemetrySettings"),
        "huleedu_service_libs._shared.redaction": ("redact_url",),
    },
)
