"""OpenTelemetry instrumentation for Quart: one SERVER span and the HTTP metrics per request.

``opentelemetry-instrument hypercorn app:app`` switches it on with no code change (entry point
``huleedu_quart``); in code::

    QuartInstrumentor().instrument()          # every Quart app created from now on
    QuartInstrumentor.instrument_app(app)     # an app that exists already

Per request (and per websocket connection) it makes one span named ``{METHOD} {route}`` from
the matched Quart rule (``GET /essays/<essay_id>``; ``GET`` alone when nothing matched), with
the attributes of the telemetry contract, the caller's W3C context as parent, and the
``X-Correlation-ID`` (reused or generated) bound for the request and echoed in the response.
HTTP requests also record ``http.server.request.duration`` and ``http.server.active_requests``
with bounded attribute sets; websocket connections, which last minutes, stay out of the
request-latency histogram.

Options (``instrument()`` and ``instrument_app()``): ``tracer_provider``, ``meter_provider``,
``excluded_urls`` (comma-separated regexes, overriding ``OTEL_PYTHON_QUART_EXCLUDED_URLS`` /
``OTEL_PYTHON_EXCLUDED_URLS``; health and metrics endpoints by default),
``server_request_hook(span, scope)`` and ``server_response_hook(span, message)``.

Modules: ``_apps`` (patching one app, its ASGI and route wrappers), ``_exchange`` (one request's
span, timing and hooks), ``_telemetry`` (tracer, instruments, failure reporter), ``_settings``
(options, environment, caps on what a caller sends), ``_propagation`` (trace context and
correlation id from the headers), ``package`` (supported versions).
"""

from __future__ import annotations

import weakref
from collections.abc import Collection
from typing import Any

from opentelemetry.instrumentation.instrumentor import (  # type: ignore[attr-defined]
    BaseInstrumentor,
)
from opentelemetry.instrumentation.utils import unwrap
from quart import Quart
from wrapt import wrap_function_wrapper

from huleedu_otel.quart import _apps
from huleedu_otel.quart._settings import QuartOptions
from huleedu_otel.quart._telemetry import report_failure
from huleedu_otel.quart.package import _instruments

__all__ = ["QuartInstrumentor"]

__version__ = "0.1.0"
_auto_instrumented: weakref.WeakSet[Quart] = weakref.WeakSet()


class QuartInstrumentor(BaseInstrumentor):  # type: ignore[misc]
    """Instruments Quart apps: new ones after :meth:`instrument`, old ones one by one."""

    def instrumentation_dependencies(self) -> Collection[str]:
        return _instruments

    def _instrument(self, **kwargs: Any) -> None:
        options = QuartOptions.from_kwargs(kwargs)

        def instrument_new_app(
            wrapped: Any, instance: Quart, args: tuple[Any, ...], kw: dict[str, Any]
        ) -> None:
            wrapped(*args, **kw)
            try:
                if _apps.instrument_app(instance, options, __version__):
                    _auto_instrumented.add(instance)
            except Exception:
                report_failure("instrumenting a new app")

        wrap_function_wrapper("quart.app", "Quart.__init__", instrument_new_app)

    def _uninstrument(self, **kwargs: Any) -> None:
        unwrap(Quart, "__init__")
        for app in list(_auto_instrumented):
            _apps.uninstrument_app(app)
        _auto_instrumented.clear()

    @staticmethod
    def instrument_app(app: Quart, **kwargs: Any) -> bool:
        """Instrument one app (idempotent: ``False`` when it already was)."""
        return _apps.instrument_app(app, QuartOptions.from_kwargs(kwargs), __version__)

    @staticmethod
    def uninstrument_app(app: Quart) -> bool:
        """Undo :meth:`instrument_app` (or the automatic instrumentation) for one app."""
        _auto_instrumented.discard(app)
        return _apps.uninstrument_app(app)
