"""Three metric operations with ``/metrics`` on and off: the cost of the Prometheus bridge.

Each variant builds the meter provider the launcher builds (``_setup.providers``: the views, the
cardinality limit, OTLP to a local receiver), so the only difference is ``/metrics``. The
"two readers" variant is the bridge as it was before one aggregation (upstream's
``PrometheusMetricReader`` beside the periodic OTLP reader), for comparison. The variants
alternate round by round: the ratio sought is close to 1, and this machine drifts more than
that between one variant's rounds and the next's.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter
from opentelemetry.exporter.prometheus import PrometheusMetricReader
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from prometheus_client import CollectorRegistry

from benchmarks._harness import Benchmark, Op, Variant
from huleedu_otel import TelemetrySettings
from huleedu_otel._setup.prometheus import start_prometheus_endpoint
from huleedu_otel._setup.providers import _meter_provider
from huleedu_otel._setup.resource import build_resource
from huleedu_otel._setup.views import seconds_histogram_views
from huleedu_otel.receiver import OtlpReceiver

ON = "3 metric ops, /metrics on (one aggregation)"
OFF = "3 metric ops, /metrics off (OTLP only)"


def _ops(provider: MeterProvider) -> Op:
    meter = provider.get_meter("bench")
    duration = meter.create_histogram("http.server.request.duration", unit="s")
    active = meter.create_up_down_counter("http.server.active_requests", unit="{request}")
    attrs = {"http.request.method": "GET", "url.scheme": "http", "http.route": "/x"}

    def op() -> None:
        active.add(1, attrs)
        duration.record(0.001, attrs)
        active.add(-1, attrs)

    return op


def _configured(prometheus: bool) -> Callable[[], AbstractAsyncContextManager[Op]]:
    @asynccontextmanager
    async def setup() -> AsyncIterator[Op]:
        with OtlpReceiver() as receiver:
            os.environ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.endpoint
            exporters = ("otlp", "prometheus") if prometheus else ("otlp",)
            settings = TelemetrySettings(service_name="bench", metrics_exporters=exporters)
            endpoint = start_prometheus_endpoint("127.0.0.1", 0) if prometheus else None
            provider = _meter_provider(settings, build_resource(settings), endpoint)
            yield _ops(provider)
            provider.shutdown()
            if endpoint is not None:
                endpoint.close()

    return setup


@asynccontextmanager
async def _two_readers() -> AsyncIterator[Op]:
    with OtlpReceiver() as receiver:
        os.environ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.endpoint
        readers = [
            PeriodicExportingMetricReader(OTLPMetricExporter()),
            PrometheusMetricReader(registry=CollectorRegistry()),
        ]
        provider = MeterProvider(metric_readers=readers, views=seconds_histogram_views())
        yield _ops(provider)
        provider.shutdown()


def _judge(per_op: dict[str, float]) -> str:
    ratio = per_op[ON] / per_op[OFF]
    verdict = "met" if ratio <= 1.05 else "missed"
    return f"/metrics on costs {ratio:.3f}x off ({verdict})"


BENCHMARKS = [
    Benchmark(
        name="metrics_bridge",
        what="three metric operations (up-down +1, histogram, up-down -1), launcher's provider",
        variants=[
            Variant(OFF, "bare", _configured(prometheus=False)),
            Variant(ON, "ours", _configured(prometheus=True)),
            Variant("3 metric ops, two readers (the old bridge)", "peer", _two_readers),
        ],
        number=5_000,
        repeat=21,
        interleave=True,
        goal="/metrics on <= 1.05x off, in one run",
        judge=_judge,
    )
]
