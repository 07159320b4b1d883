"""Breakers made before any SDK exists, then an SDK installed: prints what the SDK collected."""

import asyncio
import json

from opentelemetry import metrics
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from huleedu_service_libs.resilience import CircuitBreaker


async def _call_both(early: CircuitBreaker, late: CircuitBreaker) -> None:
    await early.call(asyncio.sleep, 0)
    await late.call(asyncio.sleep, 0)


early = CircuitBreaker(name="early")
asyncio.run(_call_both(early, early))  # no SDK yet: recorded nowhere, and no error
reader = InMemoryMetricReader()
metrics.set_meter_provider(MeterProvider(metric_readers=[reader]))
late = CircuitBreaker(name="late")
asyncio.run(_call_both(early, late))

data = reader.get_metrics_data()
assert data is not None
found = [
    [metric.name, dict(point.attributes or {}), point.value]
    for resource in data.resource_metrics
    for scope in resource.scope_metrics
    for metric in scope.metrics
    for point in metric.data.data_points
]
print(json.dumps(sorted(found, key=json.dumps)))
