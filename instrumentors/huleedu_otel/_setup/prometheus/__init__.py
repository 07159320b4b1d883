"""The OTel → Prometheus bridge: ``/metrics`` on the service itself.

``reader`` (the one aggregation that OTLP export and scrapes share) → ``exemplars`` (kept across
collections) → ``exposition`` (OTel data to Prometheus families, with exemplars) → ``endpoint``
(the HTTP server).
"""

from huleedu_otel._setup.prometheus.endpoint import PrometheusEndpoint, start_prometheus_endpoint

__all__ = ["PrometheusEndpoint", "start_prometheus_endpoint"]
