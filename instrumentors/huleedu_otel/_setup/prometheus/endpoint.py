"""The ``/metrics`` HTTP server: prometheus_client's, on a registry of its own.

prometheus_client's server negotiates the format from ``Accept`` (OpenMetrics 1.0 for
``application/openmetrics-text``, the 0.0.4 text format otherwise) and compresses on request.
Its registry is our own, so nothing registered with the global one (a legacy metric, another
library's collector) leaks into or clashes with ours.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from opentelemetry.sdk.metrics.export import MetricsData
from prometheus_client import CollectorRegistry, start_http_server

from huleedu_otel._setup.cardinality import cardinality_limits
from huleedu_otel._setup.notice import notice
from huleedu_otel._setup.prometheus.exposition import MetricsCollector, Source
from huleedu_otel._setup.prometheus.reader import SharedMetricReader
from huleedu_otel._setup.settings import DEFAULT_CARDINALITY_LIMIT

_log = logging.getLogger(__name__)


class MetricsEndpoint(Protocol):
    """What serves this process's metrics to Prometheus: a port, or a supervisor's."""

    reader: SharedMetricReader

    @property
    def port(self) -> int | None: ...

    def describe(self) -> str: ...

    def close(self) -> None: ...


@dataclass
class PrometheusEndpoint:
    """A running ``/metrics`` server and the shared reader it reads.

    ``source`` is what a scrape shows: this process's metrics, or (in a server's supervisor)
    every worker's, merged.
    """

    reader: SharedMetricReader
    host: str
    port: int
    _server: Any
    source: Source = field(init=False)
    closers: list[Callable[[], None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.source = self.local

    def describe(self) -> str:
        return f"prometheus http://{self.host}:{self.port}/metrics"

    def local(self) -> MetricsData | None:
        """This process's cumulative state, each bucket with its newest exemplar."""
        data = self.reader.read()
        return None if data is None else self.reader.exemplars.latest(data)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        for closer in self.closers:
            closer()


def start_prometheus_endpoint(
    host: str, port: int, cardinality_limit: int = DEFAULT_CARDINALITY_LIMIT
) -> PrometheusEndpoint | None:
    """Serve ``/metrics``; a port already taken warns once and returns ``None``.

    A second process (a test run beside a dev server) on the same port must not stop the
    service from starting: its metrics still leave through OTLP.
    """
    registry = CollectorRegistry(auto_describe=True)
    try:
        server, _thread = start_http_server(port, addr=host, registry=registry)
    except OSError as exc:
        notice(
            _log,
            logging.WARNING,
            "Prometheus endpoint not started: %s:%s is unavailable (%s); metrics still go out "
            "over OTLP.",
            host,
            port,
            exc.strerror or exc,
        )
        return None
    reader = SharedMetricReader(cardinality_limits(cardinality_limit))
    endpoint = PrometheusEndpoint(reader=reader, host=host, port=server.server_port, _server=server)
    registry.register(MetricsCollector(lambda: endpoint.source()))
    return endpoint
