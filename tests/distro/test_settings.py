"""How settings resolve from code and the environment."""

from __future__ import annotations

import pytest

from huleedu_otel import ConfigurationError, TelemetrySettings, redact_url


def test_defaults_follow_the_contract() -> None:
    """OTLP/gRPC to localhost:4317 for all signals, Prometheus on 0.0.0.0:9464."""
    s = TelemetrySettings.from_env(env={})
    assert (s.service_name, s.service_version, s.environment) == (
        "unknown_service",
        "1.0.0",
        "development",
    )
    assert (s.traces_exporters, s.metrics_exporters, s.logs_exporters) == (
        ("otlp",),
        ("otlp", "prometheus"),
        ("otlp",),
    )
    assert (s.otlp_protocol, s.otlp_endpoint) == ("grpc", "http://localhost:4317")
    assert (s.prometheus_host, s.prometheus_port) == ("0.0.0.0", 9464)


@pytest.mark.parametrize(
    ("env", "code", "expected"),
    [
        ({"OTEL_SERVICE_NAME": "otel", "SERVICE_NAME": "svc"}, "code", "otel"),
        ({"SERVICE_NAME": "svc"}, "code", "code"),
        ({"SERVICE_NAME": "svc"}, None, "svc"),
    ],
)
def test_service_name_precedence(env: dict[str, str], code: str | None, expected: str) -> None:
    """OTEL_SERVICE_NAME, then the name given in code, then SERVICE_NAME."""
    assert expected == TelemetrySettings.from_env(code, env=env).service_name


def test_http_protocol_moves_the_default_endpoint() -> None:
    s = TelemetrySettings.from_env(env={"OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"})
    assert (s.otlp_protocol, s.otlp_endpoint) == ("http/protobuf", "http://localhost:4318")


def test_none_switches_a_signal_off() -> None:
    s = TelemetrySettings.from_env(env={"OTEL_TRACES_EXPORTER": "none"})
    assert s.traces_exporters == ()


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"OTEL_EXPORTER_OTLP_PROTOCOL": "thrift"}, "use 'grpc' or 'http/protobuf'"),
        ({"OTEL_METRICS_EXPORTER": "otlp,statsd"}, "unknown exporter(s) ['statsd']"),
        ({"OTEL_EXPORTER_PROMETHEUS_PORT": "ninety"}, "is not a number"),
        ({"OTEL_EXPORTER_PROMETHEUS_PORT": "70000"}, "out of range"),
    ],
)
def test_bad_values_say_what_to_change(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        TelemetrySettings.from_env(env=env)
    assert message in str(caught.value)


def test_contrib_allowed_only_for_non_overlapping_or_opted_in() -> None:
    s = TelemetrySettings.from_env(env={"HULEEDU_OTEL_CONTRIB_OPT_IN": "redis"})
    assert [s.contrib_allowed(n) for n in ("requests", "redis", "aiokafka")] == [True, True, False]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://user:s3cret@collector:4317", "http://[REDACTED]@collector:4317"),
        ("http://collector:4317", "http://collector:4317"),
        ("redis://:pw@redis/0", "redis://[REDACTED]@redis/0"),
    ],
)
def test_redact_url_hides_credentials(url: str, expected: str) -> None:
    assert expected == redact_url(url)


def test_seconds_histograms_get_seconds_buckets(otel: object) -> None:
    """A histogram in ``s`` without advice gets its semconv family's boundaries, not ms ones."""
    from opentelemetry import metrics

    from huleedu_otel.testing import TelemetryCapture
    from huleedu_service_libs._shared.buckets import DB_SECONDS, HTTP_SECONDS

    assert isinstance(otel, TelemetryCapture)
    meter = metrics.get_meter("bucket-test")
    meter.create_histogram("http.client.request.duration", unit="s").record(0.2)
    meter.create_histogram("db.client.operation.duration", unit="s").record(0.2)
    meter.create_histogram(
        "custom.duration", unit="s", explicit_bucket_boundaries_advisory=[1.0, 2.0]
    ).record(0.2)
    meter.create_histogram("payload.size", unit="By").record(200)
    bounds = {p.name: tuple(p.explicit_bounds) for p in otel.metrics.collect().values()}
    assert bounds["http.client.request.duration"] == HTTP_SECONDS
    assert bounds["db.client.operation.duration"] == DB_SECONDS
    assert bounds["custom.duration"] == (1.0, 2.0)
    assert bounds["payload.size"][:3] == (0.0, 5.0, 10.0)  # untouched: not in seconds
