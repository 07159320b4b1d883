"""OTel metrics data → prometheus_client metric families, with exemplars.

The names, units, labels and ``target_info`` are the upstream exporter's translation
(``opentelemetry-exporter-prometheus``), reused so the plain text format stays exactly what it
was. Upstream drops exemplars; the two overrides here put them back: histogram buckets and
monotonic counters carry the exemplar of a sampled span (``trace_id``, ``span_id``).
prometheus_client writes them in OpenMetrics and leaves them out of the 0.0.4 text format.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from opentelemetry.exporter.prometheus import (
    _convert_buckets,
    _CustomCollector,
    _get_or_create_family,
    _should_convert_sum_to_gauge,
)
from opentelemetry.exporter.prometheus._mapping import map_unit
from opentelemetry.sdk.metrics import Exemplar
from opentelemetry.sdk.metrics.export import Histogram, Metric, MetricsData, Sum
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily
from prometheus_client.core import Metric as PrometheusMetric
from prometheus_client.samples import Exemplar as PrometheusExemplar

from huleedu_otel._setup.prometheus.exemplars import bucket_of

Source = Callable[[], MetricsData | None]


class MetricsCollector:
    """A prometheus_client collector: each scrape translates what ``source`` returns."""

    def __init__(self, source: Source) -> None:
        self._source = source

    def describe(self) -> list[PrometheusMetric]:
        return []  # no collection at registration time

    def collect(self) -> Iterable[PrometheusMetric]:
        data = self._source()
        if data is None:
            return []
        translator = _ExemplarTranslator()
        translator.add_metrics_data(data)
        return list(translator.collect())


def prometheus_exemplar(exemplar: Exemplar) -> PrometheusExemplar | None:
    """The OpenMetrics exemplar of a sampled span's measurement; ``None`` without a span."""
    if not exemplar.trace_id or not exemplar.span_id:
        return None
    labels = {"trace_id": f"{exemplar.trace_id:032x}", "span_id": f"{exemplar.span_id:016x}"}
    return PrometheusExemplar(labels, exemplar.value, exemplar.time_unix_nano / 1e9)


class _ExemplarTranslator(_CustomCollector):
    def _translate_metric(
        self,
        metric: Metric,
        scope_attrs: dict[str, Any],
        resource_attrs: dict[str, Any],
        metric_family_id_metric_family: dict[str, PrometheusMetric],
    ) -> None:
        data = metric.data
        if isinstance(data, Histogram):
            kind: type[PrometheusMetric] = HistogramMetricFamily
        elif isinstance(data, Sum) and not _should_convert_sum_to_gauge(metric):
            kind = CounterMetricFamily
        else:
            super()._translate_metric(
                metric, scope_attrs, resource_attrs, metric_family_id_metric_family
            )
            return
        name = self._resolve_metric_name(metric.name)
        description = metric.description or ""
        unit = map_unit(metric.unit or "")
        keys, rows, values = self._collect_data_points(data, scope_attrs, resource_attrs)
        family: Any = _get_or_create_family(
            metric_family_id_metric_family,
            "|".join((name, description, unit, kind.__name__)),
            kind,
            name=name,
            documentation=description,
            labels=keys,
            unit=unit,
        )
        points: list[Any] = list(data.data_points)
        for labels, value, point in zip(rows, values, points, strict=True):
            if kind is HistogramMetricFamily:
                assert isinstance(value, dict)
                buckets = _buckets(value, point.exemplars)
                family.add_metric(labels=labels, buckets=buckets, sum_value=value["sum"])
            else:
                family.add_metric(labels=labels, value=value, exemplar=_newest(point.exemplars))


def _buckets(value: dict[str, Any], exemplars: Sequence[Exemplar]) -> list[tuple[Any, ...]]:
    bounds = value["explicit_bounds"]
    by_bucket = {bucket_of(e.value, bounds): prometheus_exemplar(e) for e in exemplars}
    return [
        (bound, count, by_bucket[i]) if by_bucket.get(i) else (bound, count)
        for i, (bound, count) in enumerate(_convert_buckets(value["bucket_counts"], bounds))
    ]


def _newest(exemplars: Sequence[Exemplar]) -> PrometheusExemplar | None:
    converted = [
        (e.time_unix_nano, p) for e in exemplars if (p := prometheus_exemplar(e)) is not None
    ]
    return max(converted, key=lambda pair: pair[0])[1] if converted else None
