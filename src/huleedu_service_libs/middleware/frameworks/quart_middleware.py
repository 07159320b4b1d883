"""The seed's tracing middleware for Quart, now one switch for the Quart instrumentor.

``setup_tracing_middleware(app, tracer)`` gives every request one SERVER span named
``{METHOD} {route}``, W3C context propagation and the ``X-Correlation-ID`` handling, exactly
as the ``huleedu_quart`` instrumentor does under ``opentelemetry-instrument``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from huleedu_service_libs import _otel_bridge

if TYPE_CHECKING:
    from opentelemetry.trace import Tracer
    from quart import Quart

__all__ = ["setup_tracing_middleware"]


def setup_tracing_middleware(app: Quart, tracer: Tracer) -> None:
    """Trace every request of ``app``; a second call (or the metrics middleware) adds nothing.

    The request spans come from the instrumentor's own tracer (scope ``huleedu_otel.quart``)
    on the global provider, so they look the same whichever way telemetry was switched on;
    ``tracer`` is accepted for the seed's signature and is what your own spans should use.
    """
    _otel_bridge.instrument_quart_app(app)
