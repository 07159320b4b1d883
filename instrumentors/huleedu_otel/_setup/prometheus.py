"""The OTel → Prometheus bridge: a scrape endpoint on the service itself.

It uses a registry of its own, so nothing else registered with ``prometheus_client``'s global
registry (a legacy metric, another library's collector) leaks into or clashes with ours.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from opentelemetry.exporter.prometheus import PrometheusMetricReader
from prometheus_client import CollectorRegistry, start_http_server

from huleedu_otel._setup.cardinality import cardinality_limits
from huleedu_otel._setup.notice import notice
from huleedu_otel._setup.settings import DEFAULT_CARDINALITY_LIMIT

_log = logging.getLogger(__name__)


@dataclass
class PrometheusEndpoint:
    """A running ``/metrics`` server and the reader that feeds it."""

    reader: PrometheusMetricReader
    host: str
    port: int
    _server: Any

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def start_prometheus_endpoint(
    host: str, port: int, cardinality_limit: int = DEFAULT_CARDINALITY_LIMIT
) -> PrometheusEndpoint | None:
    """Serve ``/metrics``; a port already taken warns once and returns ``None``.

    A second process (a hypercorn worker, a test run beside a dev server) on the same port must
    not stop the service from starting: its metrics still leave through OTLP.
    """
    registry = CollectorRegistry(auto_describe=True)
    try:
        server, _thread = start_http_server(port, addr=host, registry=registry)
    except OSError as exc:
        notice(
            _log,
            logging.WARNING,
            "Prometheus endpoint not started: %s:%s is unavailable (%s); metrics still go out "
            "over OTLP. With several workers, scrape the collector instead (see README).",
            host,
            port,
            exc.strerror or exc,
        )
        return None
    reader = PrometheusMetricReader(registry=registry, **cardinality_limits(cardinality_limit))
    return PrometheusEndpoint(reader=reader, host=host, port=server.server_port, _server=server)
