"""A worker's cumulative metrics as JSON, for the supervisor that serves ``/metrics``.

The SDK can write its data as JSON but not read it back, so this is a small codec of our own
for exactly what the merge needs: the metric kind (a monotonic sum adds up across workers, a
gauge does not), points, histogram buckets and exemplars. Attribute values are OTel's scalars
or tuples of them; JSON turns tuples into lists, and decoding turns them back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from opentelemetry.sdk.metrics import Exemplar
from opentelemetry.sdk.metrics.export import (
    AggregationTemporality,
    DataT,
    Gauge,
    Histogram,
    HistogramDataPoint,
    Metric,
    MetricsData,
    NumberDataPoint,
    ResourceMetrics,
    ScopeMetrics,
    Sum,
)
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.util.instrumentation import InstrumentationScope

CUMULATIVE = AggregationTemporality.CUMULATIVE


@dataclass(frozen=True)
class Snapshot:
    """One process's metrics: who it is, and its cumulative data."""

    pid: int
    instance: str
    data: MetricsData


def encode(snapshot: Snapshot) -> bytes:
    scopes = [
        {
            "name": sm.scope.name,
            "version": sm.scope.version,
            "schema_url": sm.scope.schema_url,
            "metrics": [m for m in (_metric(x) for x in sm.metrics) if m is not None],
        }
        for rm in snapshot.data.resource_metrics
        for sm in rm.scope_metrics
    ]
    body = {"pid": snapshot.pid, "instance": snapshot.instance, "scopes": scopes}
    return json.dumps(body, separators=(",", ":")).encode()


def decode(raw: bytes) -> Snapshot:
    body = json.loads(raw)
    scopes = [
        ScopeMetrics(
            scope=InstrumentationScope(s["name"], s["version"], s["schema_url"]),
            metrics=[_decode_metric(m) for m in s["metrics"]],
            schema_url=s["schema_url"] or "",
        )
        for s in body["scopes"]
    ]
    data = MetricsData([ResourceMetrics(Resource.get_empty(), scopes, "")])
    return Snapshot(pid=int(body["pid"]), instance=str(body["instance"]), data=data)


def kind_of(data: DataT) -> str | None:
    """``counter``, ``updown``, ``gauge`` or ``histogram``; ``None`` for what we do not merge."""
    if isinstance(data, Sum) and data.aggregation_temporality is CUMULATIVE:
        return "counter" if data.is_monotonic else "updown"
    if isinstance(data, Gauge):
        return "gauge"
    if isinstance(data, Histogram) and data.aggregation_temporality is CUMULATIVE:
        return "histogram"
    return None  # exponential histograms: upstream's Prometheus translation has none either


def _metric(metric: Metric) -> dict[str, Any] | None:
    kind = kind_of(metric.data)
    if kind is None:
        return None
    return {
        "name": metric.name,
        "description": metric.description,
        "unit": metric.unit,
        "kind": kind,
        "points": [_point(p) for p in metric.data.data_points],
    }


def _point(point: Any) -> dict[str, Any]:
    encoded: dict[str, Any] = {
        "attributes": dict(point.attributes or {}),
        "start": point.start_time_unix_nano,
        "time": point.time_unix_nano,
        "exemplars": [[e.value, e.time_unix_nano, e.trace_id, e.span_id] for e in point.exemplars],
    }
    if isinstance(point, HistogramDataPoint):
        encoded.update(
            count=point.count,
            sum=point.sum,
            buckets=list(point.bucket_counts),
            bounds=list(point.explicit_bounds),
            min=point.min,
            max=point.max,
        )
    else:
        encoded["value"] = point.value
    return encoded


def _decode_metric(m: dict[str, Any]) -> Metric:
    kind = m["kind"]
    data: DataT
    if kind == "histogram":
        data = Histogram([_histogram_point(p) for p in m["points"]], CUMULATIVE)
    elif kind == "gauge":
        data = Gauge([_number_point(p) for p in m["points"]])
    else:
        data = Sum([_number_point(p) for p in m["points"]], CUMULATIVE, kind == "counter")
    return Metric(m["name"], m["description"], m["unit"], data)


def _common(p: dict[str, Any]) -> dict[str, Any]:
    return {
        "attributes": {
            k: tuple(v) if isinstance(v, list) else v for k, v in p["attributes"].items()
        },
        "start_time_unix_nano": p["start"],
        "time_unix_nano": p["time"],
        "exemplars": [
            Exemplar({}, value, at, span_id=span_id, trace_id=trace_id)
            for value, at, trace_id, span_id in p["exemplars"]
        ],
    }


def _number_point(p: dict[str, Any]) -> NumberDataPoint:
    return NumberDataPoint(value=p["value"], **_common(p))


def _histogram_point(p: dict[str, Any]) -> HistogramDataPoint:
    return HistogramDataPoint(
        count=p["count"],
        sum=p["sum"],
        bucket_counts=p["buckets"],
        explicit_bounds=p["bounds"],
        min=p["min"],
        max=p["max"],
        **_common(p),
    )
