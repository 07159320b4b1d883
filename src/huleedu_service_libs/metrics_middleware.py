"""The seed's HTTP metrics middleware, now one switch for the Quart instrumentor.

``setup_standard_service_metrics_middleware(app, "content_service")`` keeps working as the
seed documents. The metrics follow the OpenTelemetry conventions instead of the seed's
``request_count`` / ``request_duration``: ``http.server.request.duration`` (Prometheus:
``http_server_request_duration_seconds_{bucket,count,sum}``; its ``_count`` is the request
count) and ``http.server.active_requests``, labelled by method, scheme, route and status.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from huleedu_service_libs import _otel_bridge

if TYPE_CHECKING:
    from quart import Quart

__all__ = ["setup_standard_service_metrics_middleware"]


def setup_standard_service_metrics_middleware(app: Quart, service_name: str) -> None:
    """Record HTTP server metrics (and spans: one instrumentor makes both) for ``app``.

    Calling it again, or together with ``setup_tracing_middleware``, changes nothing.
    ``service_name`` is kept for the seed's signature: the service is identified by the
    ``service.name`` resource attribute (``target_info`` / the scrape job), not by a label.
    """
    _otel_bridge.instrument_quart_app(app)
