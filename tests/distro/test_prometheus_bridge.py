"""The Prometheus bridge: one aggregation for OTLP and /metrics, exemplars in OpenMetrics."""

from __future__ import annotations

import logging
import re
import urllib.request
from collections.abc import Iterator

import pytest
from opentelemetry.exporter.prometheus import PrometheusMetricReader
from opentelemetry.sdk.metrics import AlwaysOffExemplarFilter, MeterProvider
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from prometheus_client import CollectorRegistry, generate_latest

from huleedu_otel import TelemetrySettings
from huleedu_otel._setup.prometheus import PrometheusEndpoint, start_prometheus_endpoint
from huleedu_otel._setup.providers import _meter_provider
from huleedu_otel.receiver import OtlpReceiver
from tests._services import free_port

OPENMETRICS = "application/openmetrics-text; version=1.0.0"
RESOURCE = Resource.create({"service.name": "bridge", "service.instance.id": "i-1"})
EXEMPLAR = re.compile(r' # \{(span_id|trace_id)="([0-9a-f]+)",(span_id|trace_id)="([0-9a-f]+)"\}')


def _scrape(port: int, accept: str | None = None) -> tuple[str, str]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/metrics")
    if accept:
        request.add_header("Accept", accept)
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.headers["Content-Type"], response.read().decode()


@pytest.fixture
def endpoint() -> Iterator[PrometheusEndpoint]:
    started = start_prometheus_endpoint("127.0.0.1", free_port())
    assert started is not None
    yield started
    started.close()


def _record(provider: MeterProvider, tracer_provider: TracerProvider | None = None) -> str:
    """One request's worth of metrics, inside a span when a tracer is given; its trace id."""
    meter = provider.get_meter("bridge")
    duration = meter.create_histogram(
        "http.server.request.duration", unit="s", explicit_bucket_boundaries_advisory=[0.1, 1.0]
    )
    requests = meter.create_counter("bridge.requests", unit="{request}")
    active = meter.create_up_down_counter("bridge.active", unit="{request}")
    attrs = {"http.route": "/x"}
    if tracer_provider is None:
        duration.record(0.05, attrs)
        requests.add(1, attrs)
        return ""
    with tracer_provider.get_tracer("bridge").start_as_current_span("GET /x") as span:
        active.add(1, attrs)
        duration.record(0.05, attrs)
        requests.add(1, attrs)
        active.add(-1, attrs)
        return f"{span.get_span_context().trace_id:032x}"


def test_otlp_and_prometheus_read_one_aggregation(
    endpoint: PrometheusEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With OTLP and /metrics on, the meter provider has one reader (one aggregation per
    measurement), and the collector receives the same cumulative count the scrape shows."""
    settings = TelemetrySettings(service_name="bridge", metrics_exporters=("otlp", "prometheus"))
    with OtlpReceiver() as receiver:
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint)
        provider = _meter_provider(settings, RESOURCE, endpoint)
        assert [endpoint.reader] == list(provider._measurement_consumer._reader_storages)
        for _ in range(3):
            _record(provider)
        _, text = _scrape(endpoint.port)
        provider.force_flush()
        received = [
            point.as_int
            for _resource, metric in receiver.metrics()
            if metric.name == "bridge.requests"
            for point in metric.sum.data_points
        ]
        provider.shutdown()
    assert 'bridge_requests_total{http_route="/x",' in text
    assert re.search(r"bridge_requests_total\{[^}]*\} 3\.0", text)
    assert received == [3]


def test_shutting_down_exports_the_last_state_over_otlp(
    endpoint: PrometheusEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The provider's shutdown makes the shared reader's exporters export one last time."""
    settings = TelemetrySettings(service_name="bridge", metrics_exporters=("otlp", "prometheus"))
    with OtlpReceiver() as receiver:
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint)
        provider = _meter_provider(settings, RESOURCE, endpoint)
        _record(provider)
        provider.shutdown()
        names = {metric.name for _resource, metric in receiver.metrics()}
    assert "bridge.requests" in names


def test_a_delta_preference_gets_a_reader_of_its_own(
    endpoint: PrometheusEndpoint, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Delta temporality needs its own storage: two readers, and one line that says so."""
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "delta")
    settings = TelemetrySettings(service_name="bridge", metrics_exporters=("otlp", "prometheus"))
    with caplog.at_level(logging.INFO):
        provider = _meter_provider(settings, RESOURCE, endpoint)
    try:
        assert len(provider._measurement_consumer._reader_storages) == 2
        assert [r for r in caplog.records if "aggregated twice" in r.getMessage()]
    finally:
        provider.shutdown()


def test_the_plain_text_format_is_the_upstream_exporters(endpoint: PrometheusEndpoint) -> None:
    """Same measurements, same text: ours and upstream's PrometheusMetricReader agree byte for
    byte on the 0.0.4 format (names, units, labels, target_info), exemplars or not."""
    registry = CollectorRegistry(auto_describe=True)
    upstream = MeterProvider(
        metric_readers=[PrometheusMetricReader(registry=registry)], resource=RESOURCE
    )
    ours = MeterProvider(metric_readers=[endpoint.reader], resource=RESOURCE)
    tracer_provider = TracerProvider()
    try:
        for provider in (upstream, ours):
            _record(provider, tracer_provider)
            _record(provider)
        content_type, text = _scrape(endpoint.port)
        expected = generate_latest(registry).decode()
    finally:
        upstream.shutdown()
        ours.shutdown()
    assert content_type.startswith("text/plain; version=0.0.4")
    assert "bridge_requests_total" in text
    assert expected == text


def test_openmetrics_scrapes_carry_exemplars_of_sampled_spans(
    endpoint: PrometheusEndpoint,
) -> None:
    """Accept: application/openmetrics-text gets OpenMetrics 1.0 with the recording span's
    trace_id and span_id on the histogram bucket it fell in and on the counter."""
    provider = MeterProvider(metric_readers=[endpoint.reader], resource=RESOURCE)
    try:
        trace_id = _record(provider, TracerProvider())
        content_type, text = _scrape(endpoint.port, OPENMETRICS)
        _, again = _scrape(endpoint.port, OPENMETRICS)  # kept across collections
    finally:
        provider.shutdown()
    assert content_type.startswith("application/openmetrics-text; version=1.0.0")
    assert text.endswith("# EOF\n")
    (bucket,) = [line for line in text.splitlines() if EXEMPLAR.search(line) and "_bucket" in line]
    assert 'le="0.1"' in bucket
    assert trace_id in bucket
    (counter,) = [line for line in text.splitlines() if line.startswith("bridge_requests_total")]
    assert trace_id in counter
    assert [line for line in again.splitlines() if trace_id in line] == [bucket, counter]


def test_the_otlp_export_keeps_the_exemplars_a_scrape_saw(
    endpoint: PrometheusEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A scrape between two exports does not take the exemplar away from OTLP."""
    settings = TelemetrySettings(service_name="bridge", metrics_exporters=("otlp", "prometheus"))
    with OtlpReceiver() as receiver:
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint)
        provider = _meter_provider(settings, RESOURCE, endpoint)
        trace_id = _record(provider, TracerProvider())
        _scrape(endpoint.port, OPENMETRICS)
        provider.force_flush()
        provider.shutdown()
        exemplars = [
            exemplar.trace_id.hex()
            for _resource, metric in receiver.metrics()
            if metric.name == "http.server.request.duration"
            for point in metric.histogram.data_points
            for exemplar in point.exemplars
        ]
    assert exemplars[:1] == [trace_id]


def test_an_always_off_filter_gives_no_exemplars(endpoint: PrometheusEndpoint) -> None:
    provider = MeterProvider(
        metric_readers=[endpoint.reader],
        resource=RESOURCE,
        exemplar_filter=AlwaysOffExemplarFilter(),
    )
    try:
        _record(provider, TracerProvider())
        _, text = _scrape(endpoint.port, OPENMETRICS)
    finally:
        provider.shutdown()
    assert "bridge_requests_total" in text
    assert " # {" not in text


def test_the_exemplar_filter_variable_reaches_the_launchers_provider(
    endpoint: PrometheusEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``OTEL_METRICS_EXEMPLAR_FILTER=always_off`` on the provider the launcher builds."""
    monkeypatch.setenv("OTEL_METRICS_EXEMPLAR_FILTER", "always_off")
    settings = TelemetrySettings(service_name="bridge", metrics_exporters=("prometheus",))
    provider = _meter_provider(settings, RESOURCE, endpoint)
    try:
        _record(provider, TracerProvider())
        _, text = _scrape(endpoint.port, OPENMETRICS)
    finally:
        provider.shutdown()
    assert "bridge_requests_total" in text
    assert " # {" not in text
