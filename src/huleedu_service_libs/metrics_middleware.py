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

__all__ = [
    "setup_content_service_metrics_middleware",
    "setup_file_service_metrics_middleware",
    "setup_metrics_middleware",
    "setup_standard_service_metrics_middleware",
]


def setup_standard_service_metrics_middleware(app: Quart, service_name: str) -> None:
    """Record HTTP server metrics (and spans: one instrumentor makes both) for ``app``.

    Calling it again, or together with ``setup_tracing_middleware``, changes nothing.
    ``service_name`` is kept for the seed's signature: the service is identified by the
    ``service.name`` resource attribute (``target_info`` / the scrape job), not by a label.
    """
    _otel_bridge.instrument_quart_app(app)


def setup_metrics_middleware(
    app: Quart,
    request_count_metric_name: str = "request_count",
    request_duration_metric_name: str = "request_duration",
    status_label_name: str = "status_code",
    logger_name: str | None = None,
) -> None:
    """The platform's configurable variant; the same instrumentation as the standard one.

    The metric and label names are accepted for existing call sites and superseded by the
    semantic conventions: the count is ``http_server_request_duration_seconds_count``, the
    duration that histogram, the status label ``http_response_status_code`` (see the README's
    migration table). ``logger_name`` is unused: the instrumentor reports its own problems.
    """
    _otel_bridge.instrument_quart_app(app)


def setup_content_service_metrics_middleware(app: Quart) -> None:
    """The content service's preset: the standard HTTP instrumentation."""
    _otel_bridge.instrument_quart_app(app)


def setup_file_service_metrics_middleware(app: Quart) -> None:
    """The file service's preset: the standard HTTP instrumentation."""
    _otel_bridge.instrument_quart_app(app)
