"""Test aids, together: in-memory capture, an OTLP receiver, and the pytest plugin.

- :class:`TelemetryCapture` (``_capture``): SDK providers exporting to memory, installed as the
  process's global providers; :class:`MetricsCapture` reads metrics per test.
- ``receiver``: an in-process OTLP/gRPC receiver, for tests of the real export path (public
  path ``huleedu_otel.receiver``).
- ``pytest_plugin``: the ``otel`` fixtures, registered through the ``pytest11`` entry point.

A new test aid goes here. Names are imported on first use: the plugin module, loaded in every
test session of a service that installs us, must not load the SDK until a fixture runs.
"""

import typing

from huleedu_service_libs._shared.lazy import lazy_exports as _lazy_exports

if typing.TYPE_CHECKING:
    from huleedu_otel.testing._capture import MetricPoint, MetricsCapture, TelemetryCapture

__all__ = ["MetricPoint", "MetricsCapture", "TelemetryCapture"]

__getattr__, __dir__ = _lazy_exports(
    __name__, {"._capture": ("MetricPoint", "MetricsCapture", "TelemetryCapture")}
)
