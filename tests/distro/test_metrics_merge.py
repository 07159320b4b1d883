"""How the supervisor adds its processes' metrics up: by what each kind means."""

from __future__ import annotations

from typing import Any

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import MetricsData
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider

from huleedu_otel._setup.prometheus.merge import Part, completed, merge
from huleedu_otel._setup.prometheus.reader import SharedMetricReader
from huleedu_otel._setup.prometheus.snapshot import Snapshot, decode, encode


def _process(pid: int, requests: int, active: int, memory: float) -> Snapshot:
    """One process's snapshot, through the JSON codec the workers use."""
    reader = SharedMetricReader()
    provider = MeterProvider(metric_readers=[reader])
    meter = provider.get_meter("svc")
    counter = meter.create_counter("requests")
    histogram = meter.create_histogram(
        "duration", unit="s", explicit_bucket_boundaries_advisory=[0.1, 1.0]
    )
    meter.create_up_down_counter("active").add(active)
    meter.create_gauge("memory").set(memory)
    with TracerProvider().get_tracer("t").start_as_current_span("request"):
        for _ in range(requests):
            counter.add(1, {"route": "/x"})
            histogram.record(0.05, {"route": "/x"})
    data = reader.read()
    assert data is not None
    snapshot = decode(encode(Snapshot(pid, f"i-{pid}", reader.exemplars.latest(data))))
    provider.shutdown()
    return snapshot


def _points(data: MetricsData, name: str) -> list[Any]:
    return [
        point
        for rm in data.resource_metrics
        for sm in rm.scope_metrics
        for metric in sm.metrics
        if metric.name == name
        for point in metric.data.data_points
    ]


def test_counters_and_histograms_add_up_over_every_process_that_served() -> None:
    live, retired = _process(11, requests=3, active=2, memory=5.0), _process(12, 4, 1, 7.0)
    merged = merge([Part(live, live=True), Part(retired, live=False)], Resource.get_empty())
    ((counter,), (histogram,)) = _points(merged, "requests"), _points(merged, "duration")
    assert counter.value == 7
    assert (histogram.count, list(histogram.bucket_counts)) == (7, [7, 0, 0])
    assert len(histogram.exemplars) == 1  # the newest of the 0.1 bucket


def test_up_down_counters_count_live_processes_and_gauges_stay_per_process() -> None:
    parts = [
        Part(_process(11, 1, active=2, memory=5.0), live=True),
        Part(_process(12, 1, active=3, memory=7.0), live=True),
        Part(_process(13, 1, active=9, memory=9.0), live=False),
    ]
    merged = merge(parts, Resource.get_empty())
    assert [p.value for p in _points(merged, "active")] == [5]
    gauges = {p.attributes["process.pid"]: p.value for p in _points(merged, "memory")}
    assert gauges == {11: 5.0, 12: 7.0}


def test_the_merge_is_under_the_supervisors_resource() -> None:
    resource = Resource.create({"service.name": "svc"})
    merged = merge([Part(_process(11, 1, 0, 1.0), live=True)], resource)
    assert [rm.resource for rm in merged.resource_metrics] == [resource]


def test_a_final_state_missing_a_series_keeps_what_the_last_answer_had() -> None:
    """A retired worker never counts less than a scrape already showed of it."""
    last = _process(11, requests=3, active=0, memory=1.0)
    empty = Snapshot(11, "i-11", MetricsData([]))
    final = completed(empty, last)
    merged = merge([Part(final, live=False)], Resource.get_empty())
    assert [p.value for p in _points(merged, "requests")] == [3]
    assert completed(last, None) is last
