"""The exemplars each collection brought, kept per series and bucket.

The SDK's reservoirs hand an exemplar to one collection only. With one aggregation read by a
scrape every 15 s and an OTLP export every 60 s, each would otherwise see only the exemplars the
other had not already taken. Kept here, a scrape shows the newest exemplar of every bucket (as
Prometheus client libraries do), and each exporter gets every exemplar newer than its last export.
"""

from __future__ import annotations

import bisect
import dataclasses
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from opentelemetry.sdk.metrics import Exemplar
from opentelemetry.sdk.metrics.export import (
    HistogramDataPoint,
    Metric,
    MetricsData,
)

SeriesKey = tuple[str, str, frozenset[tuple[str, Any]]]


def series_key(scope: str, metric: str, attributes: Mapping[str, Any] | None) -> SeriesKey:
    return (scope, metric, frozenset((attributes or {}).items()))


def bucket_of(value: float, bounds: Sequence[float]) -> int:
    """The index of the explicit bucket ``value`` falls in (``value <= bound``)."""
    return bisect.bisect_left(bounds, value)


@dataclasses.dataclass
class Cursor:
    """How far one exporter has read: the newest exemplar time it was given."""

    watermark: int = 0


class ExemplarCache:
    """Newest exemplar per (series, slot); a slot is a histogram bucket or a reservoir cell."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: dict[SeriesKey, dict[int, Exemplar]] = {}

    def remember(self, data: MetricsData) -> None:
        with self._lock:
            for key, point in _points(data):
                for slot, exemplar in _slots(point):
                    kept = self._kept.setdefault(key, {})
                    old = kept.get(slot)
                    if old is None or old.time_unix_nano <= exemplar.time_unix_nano:
                        kept[slot] = exemplar

    def latest(self, data: MetricsData) -> MetricsData:
        """``data`` with each point's exemplars: the newest kept one of every slot."""
        return self.since_last_read(data, Cursor())

    def since_last_read(self, data: MetricsData, cursor: Cursor) -> MetricsData:
        """``data`` with each point's exemplars: the kept ones newer than ``cursor``."""
        with self._lock:
            floor = cursor.watermark

            def fresh(key: SeriesKey) -> list[Exemplar]:
                kept = self._kept.get(key, {})
                return [e for _, e in sorted(kept.items()) if e.time_unix_nano > floor]

            rebuilt = _with_exemplars(data, fresh)
            newest = [e.time_unix_nano for kept in self._kept.values() for e in kept.values()]
        cursor.watermark = max([floor, *newest])
        return rebuilt


def _points(data: MetricsData) -> Iterator[tuple[SeriesKey, Any]]:
    for rm in data.resource_metrics:
        for sm in rm.scope_metrics:
            for metric in sm.metrics:
                for point in metric.data.data_points:
                    yield series_key(sm.scope.name, metric.name, point.attributes), point


def _slots(point: Any) -> Iterator[tuple[int, Exemplar]]:
    if isinstance(point, HistogramDataPoint):
        for exemplar in point.exemplars:
            yield bucket_of(exemplar.value, point.explicit_bounds), exemplar
    else:
        yield from enumerate(point.exemplars)


def _with_exemplars(data: MetricsData, fresh: Callable[[SeriesKey], list[Exemplar]]) -> MetricsData:
    def metric(scope: str, m: Metric) -> Metric:
        points: list[Any] = [
            dataclasses.replace(p, exemplars=fresh(series_key(scope, m.name, p.attributes)))
            for p in m.data.data_points
        ]
        data: Any = m.data
        return dataclasses.replace(m, data=dataclasses.replace(data, data_points=points))

    return MetricsData(
        resource_metrics=[
            dataclasses.replace(
                rm,
                scope_metrics=[
                    dataclasses.replace(sm, metrics=[metric(sm.scope.name, m) for m in sm.metrics])
                    for sm in rm.scope_metrics
                ],
            )
            for rm in data.resource_metrics
        ]
    )
