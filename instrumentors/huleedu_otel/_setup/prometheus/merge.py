"""Several processes' cumulative metrics as one service's, by what each kind means.

- counters (monotonic sums) and histograms add up over every process that ever served,
  including workers that have exited: the service's count never loses what they served;
- up-down counters (active requests, open connections) add up over the live processes only:
  an exited worker holds nothing any more;
- gauges (memory, CPU utilisation, loop lag, a breaker's state) are not additive: one series
  per live process, told apart by a ``process.pid`` attribute (``process_pid`` on /metrics,
  the same label ``target_info`` uses for the process).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from opentelemetry.sdk.metrics import Exemplar
from opentelemetry.sdk.metrics.export import (
    DataT,
    Gauge,
    Histogram,
    HistogramDataPoint,
    Metric,
    MetricsData,
    ResourceMetrics,
    ScopeMetrics,
    Sum,
)
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.util.instrumentation import InstrumentationScope

from huleedu_otel._setup.prometheus.exemplars import bucket_of
from huleedu_otel._setup.prometheus.snapshot import CUMULATIVE, Snapshot, kind_of

PID_ATTRIBUTE = "process.pid"
_LIVE_ONLY = frozenset({"updown", "gauge"})


@dataclass(frozen=True)
class Part:
    """One process's snapshot, and whether that process is still running."""

    snapshot: Snapshot
    live: bool


@dataclass
class _Stream:
    scope: InstrumentationScope
    name: str
    description: str | None
    unit: str | None
    kind: str
    points: dict[frozenset[tuple[str, Any]], Any] = field(default_factory=dict)

    def metric(self) -> Metric:
        points: list[Any] = list(self.points.values())
        data: DataT
        if self.kind == "histogram":
            data = Histogram(points, CUMULATIVE)
        elif self.kind == "gauge":
            data = Gauge(points)
        else:
            data = Sum(points, CUMULATIVE, self.kind == "counter")
        return Metric(self.name, self.description, self.unit, data)


def merge(parts: Iterable[Part], resource: Resource) -> MetricsData:
    """One service's metrics from its processes' parts, under ``resource``."""
    streams: dict[tuple[Any, ...], _Stream] = {}
    for part in parts:
        for scope, metric in _metrics(part.snapshot.data):
            kind = kind_of(metric.data)
            if kind is None or (kind in _LIVE_ONLY and not part.live):
                continue
            key = (scope.name, scope.version, metric.name, metric.unit, kind)
            stream = streams.setdefault(
                key, _Stream(scope, metric.name, metric.description, metric.unit, kind)
            )
            for point in metric.data.data_points:
                attributes = dict(point.attributes or {})
                if kind == "gauge":
                    attributes[PID_ATTRIBUTE] = part.snapshot.pid
                point = dataclasses.replace(point, attributes=attributes)
                at = frozenset(attributes.items())
                stream.points[at] = _add(stream.points.get(at), point)
    return _data(streams.values(), resource)


def completed(final: Snapshot, last: Snapshot | None) -> Snapshot:
    """``final``, plus any series only ``last`` has (a callback that failed at exit, say).

    A retired worker's counts must never be fewer than what a scrape already showed of it.
    """
    if last is None:
        return final
    have = {
        (scope.name, metric.name, frozenset((p.attributes or {}).items()))
        for scope, metric in _metrics(final.data)
        for p in metric.data.data_points
    }
    missing: list[ScopeMetrics] = []
    for scope, metric in _metrics(last.data):
        points = [
            p
            for p in metric.data.data_points
            if (scope.name, metric.name, frozenset((p.attributes or {}).items())) not in have
        ]
        if points:
            kind: Any = metric.data
            only = dataclasses.replace(metric, data=dataclasses.replace(kind, data_points=points))
            missing.append(ScopeMetrics(scope, [only], scope.schema_url or ""))
    if not missing:
        return final
    extra = ResourceMetrics(Resource.get_empty(), missing, "")
    return dataclasses.replace(final, data=MetricsData([*final.data.resource_metrics, extra]))


def _metrics(data: MetricsData) -> Iterable[tuple[InstrumentationScope, Metric]]:
    for rm in data.resource_metrics:
        for sm in rm.scope_metrics:
            for metric in sm.metrics:
                yield sm.scope, metric


def _add(total: Any, point: Any) -> Any:
    if total is None:
        return point
    times = {
        "start_time_unix_nano": min(total.start_time_unix_nano, point.start_time_unix_nano),
        "time_unix_nano": max(total.time_unix_nano, point.time_unix_nano),
    }
    if not isinstance(point, HistogramDataPoint):
        newest = sorted([*total.exemplars, *point.exemplars], key=lambda e: e.time_unix_nano)
        return dataclasses.replace(
            total, value=total.value + point.value, exemplars=newest[-1:], **times
        )
    if list(total.explicit_bounds) != list(point.explicit_bounds):
        return total  # a worker with other buckets (mid-deploy): not addable, keep the first
    return dataclasses.replace(
        total,
        count=total.count + point.count,
        sum=total.sum + point.sum,
        bucket_counts=[
            a + b for a, b in zip(total.bucket_counts, point.bucket_counts, strict=True)
        ],
        min=min(total.min, point.min),
        max=max(total.max, point.max),
        exemplars=_newest_per_bucket([*total.exemplars, *point.exemplars], total.explicit_bounds),
        **times,
    )


def _newest_per_bucket(exemplars: Sequence[Exemplar], bounds: Sequence[float]) -> list[Exemplar]:
    newest: dict[int, Exemplar] = {}
    for exemplar in sorted(exemplars, key=lambda e: e.time_unix_nano):
        newest[bucket_of(exemplar.value, bounds)] = exemplar
    return [newest[i] for i in sorted(newest)]


def _data(streams: Iterable[_Stream], resource: Resource) -> MetricsData:
    by_scope: dict[tuple[str, str | None], tuple[InstrumentationScope, list[Metric]]] = {}
    for stream in streams:
        scope_key = (stream.scope.name, stream.scope.version)
        by_scope.setdefault(scope_key, (stream.scope, []))[1].append(stream.metric())
    scopes = [
        ScopeMetrics(scope, metrics, scope.schema_url or "") for scope, metrics in by_scope.values()
    ]
    return MetricsData([ResourceMetrics(resource, scopes, "")])
