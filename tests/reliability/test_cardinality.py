"""Cardinality: unbounded input gives a bounded number of metric series.

Bounds, per metric (also in the README, "Metric cardinality"):

- ``http.server.request.duration``: methods (9 + ``_OTHER``) x schemes x (the app's routes + 1
  for "no route") x status codes x error types. The raw path is never an attribute, so 3,000
  distinct paths through two routes give exactly 2 series. ``http.server.active_requests``:
  methods x schemes.
- ``messaging.client.sent.messages`` / ``messaging.client.operation.duration``: one series per
  destination topic (x error types). Topic names are legitimately per topic, so the bound is a
  deployment's number of topics: 500 per-tenant topics give 500 series.
- ``db.client.operation.duration``: operations x tables (``db.collection.name``) x error types
  per database. Literals, IN-list sizes and multi-row VALUES never reach an attribute: thousands
  of statements over a fixed set of tables give one series per (operation, table); a table per
  tenant gives one per table, again a per-deployment bound.
- Whatever grows past those bounds is capped by the SDK's cardinality limit
  (``HULEEDU_OTEL_METRIC_CARDINALITY_LIMIT``, default 2000, on every reader): the limit's
  attribute sets, then one ``otel.metric.overflow=true`` series that counts the rest.
"""

from __future__ import annotations

import asyncio
import urllib.request
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.resources import Resource
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from huleedu_otel import ConfigurationError, TelemetrySettings
from huleedu_otel._setup.cardinality import cardinality_limits
from huleedu_otel._setup.prometheus import start_prometheus_endpoint
from huleedu_otel._setup.providers import _meter_provider
from huleedu_otel.quart import QuartInstrumentor
from huleedu_otel.receiver import OtlpReceiver
from huleedu_otel.sqlalchemy import SQLAlchemyInstrumentor
from huleedu_otel.testing import TelemetryCapture
from huleedu_service_libs import EventEnvelope, KafkaBus
from tests._services import free_port
from tests.instrumentation.quart.example import create_app
from tests.messaging._kafka import TANSU_OPTIONS
from tests.reliability._asgi import call

OVERFLOW = "otel.metric.overflow"


def _series(otel: TelemetryCapture, name: str) -> list[dict[str, Any]]:
    return [point.attributes for point in otel.metrics.points(name)]


async def test_three_thousand_paths_give_two_http_series(otel: TelemetryCapture) -> None:
    """3,000 distinct paths (half routed to ``/essays/<essay_id>``, half unrouted 404s) give
    exactly 2 duration series, active-requests series only per method and scheme, and 2 span
    names."""
    app = create_app()
    QuartInstrumentor.instrument_app(app)
    try:
        for i in range(1500):
            await call(app, f"/essays/{uuid.uuid4()}")
            await call(app, f"/no/such/{i}/{uuid.uuid4()}")
    finally:
        QuartInstrumentor.uninstrument_app(app)
    series = _series(otel, "http.server.request.duration")
    assert {(s.get("http.route"), s["http.response.status_code"]) for s in series} == {
        (None, 404),
        ("/essays/<essay_id>", 200),
    }
    assert len(series) == 2
    active = _series(otel, "http.server.active_requests")  # gauge: earlier tests' sets stay
    assert {"http.request.method": "GET", "url.scheme": "http"} in active
    assert all(set(a) == {"http.request.method", "url.scheme"} for a in active)
    assert len(active) <= 10 * 2  # methods x schemes
    assert {span.name for span in otel.spans()} == {"GET /essays/<essay_id>", "GET"}
    assert not [s for s in series if any("no/such" in str(v) for v in s.values())]


async def _publish_to_tenants(bus: KafkaBus, tenants: int) -> None:
    envelope = EventEnvelope[dict[str, str]](event_type="T", source_service="s", data={})
    await bus.start()
    try:
        for first in range(0, tenants, 100):
            await asyncio.gather(
                *(bus.publish(f"tenant-{t}-events", envelope) for t in range(first, first + 100))
            )
    finally:
        await bus.stop()


@pytest.mark.kafka
async def test_per_tenant_topics_give_one_series_per_topic_up_to_the_limit(
    kafka_bootstrap: str, otel: TelemetryCapture
) -> None:
    """500 per-tenant topics through KafkaBus: 500 ``messaging.client.sent.messages`` series
    (one per topic, the per-deployment bound). The same traffic into a reader limited to 100
    keeps 100 topics and one overflow series holding the other 400 messages."""
    limited = InMemoryMetricReader(**cardinality_limits(100))
    provider = MeterProvider(metric_readers=[limited])
    await _publish_to_tenants(KafkaBus(client_id="tenants", bootstrap_servers=kafka_bootstrap,
                                       **TANSU_OPTIONS), 500)  # fmt: skip
    await _publish_to_tenants(KafkaBus(client_id="tenants-limited", meter_provider=provider,
                              bootstrap_servers=kafka_bootstrap, **TANSU_OPTIONS), 500)  # fmt: skip
    series = _series(otel, "messaging.client.sent.messages")
    assert len(series) == 500
    assert len({s["messaging.destination.name"] for s in series}) == 500
    points = _points(limited, "messaging.client.sent.messages")
    assert len(points) == 101
    (overflow,) = [p for p in points if p.attributes.get(OVERFLOW)]
    assert overflow.value == 400
    provider.shutdown()


def _points(reader: InMemoryMetricReader, name: str) -> list[Any]:
    data = reader.get_metrics_data()
    assert data is not None
    return [
        point
        for rm in data.resource_metrics
        for sm in rm.scope_metrics
        for metric in sm.metrics
        if metric.name == name
        for point in metric.data.data_points
    ]


@pytest.fixture
async def pg_engine(postgres_url: str, otel: TelemetryCapture) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(postgres_url, pool_size=1, max_overflow=0)
    SQLAlchemyInstrumentor().instrument_engine(engine)
    yield engine
    SQLAlchemyInstrumentor().uninstrument_engine(engine)
    await engine.dispose()


@pytest.mark.postgres
async def test_dynamic_sql_gives_one_series_per_operation_and_table(
    pg_engine: AsyncEngine, otel: TelemetryCapture
) -> None:
    """3,001 statements with distinct literals, IN-lists of 1 to 300 items and multi-row
    VALUES over 20 tables: one ``db.client.operation.duration`` series per (operation, table)
    pair (23 here), 43 ``db.query.text`` shapes (the 2,000 literal-laden statements share
    2 of them), and no literal reaches any attribute."""
    async with pg_engine.connect() as conn:
        for table in range(20):
            await conn.execute(text(f"CREATE TEMP TABLE tenant_{table} (id int, note text)"))
        for i in range(1000):
            await conn.execute(text(f"INSERT INTO tenant_0 VALUES ({i}, 'secret-note-{i}')"))
            ids = ", ".join(str(n) for n in range(i % 300 + 1))
            await conn.execute(text(f"SELECT note FROM tenant_1 WHERE id IN ({ids})"))
        for i in range(980):
            table = i % 20
            await conn.execute(text(f"SELECT count(*) FROM tenant_{table} WHERE id > {i}"))
        await conn.execute(text("INSERT INTO tenant_2 VALUES (1, 'a'), (2, 'b'), (3, 'c')"))
    series = _series(otel, "db.client.operation.duration")
    pairs = [(s.get("db.operation.name"), s.get("db.collection.name")) for s in series]
    selects = {("SELECT", f"tenant_{table}") for table in range(20)}
    expected = {("CREATE", None), ("INSERT", "tenant_0"), ("INSERT", "tenant_2"), *selects}
    assert set(pairs) == expected
    assert len(pairs) == 23
    texts = {dict(span.attributes or {}).get("db.query.text") for span in otel.spans()}
    assert {
        "INSERT INTO tenant_0 VALUES (?, ?)",
        "SELECT note FROM tenant_1 WHERE id IN (?)",
    } <= texts
    assert len(texts) == 43  # 20 CREATE, 20 per-table SELECT, and the 3 literal-laden shapes
    attributes = str([dict(span.attributes or {}) for span in otel.spans()])
    assert "secret-note" not in attributes


def test_the_limit_is_read_from_the_environment() -> None:
    """``HULEEDU_OTEL_METRIC_CARDINALITY_LIMIT`` sets it (default 2000); nonsense is refused
    with a message that names the variable."""
    var = "HULEEDU_OTEL_METRIC_CARDINALITY_LIMIT"
    assert TelemetrySettings.from_env(env={}).metric_cardinality_limit == 2000
    assert TelemetrySettings.from_env(env={var: "150"}).metric_cardinality_limit == 150
    for bad in ("0", "-5", "many"):
        with pytest.raises(ConfigurationError, match=var):
            TelemetrySettings.from_env(env={var: bad})


def _scrape(port: int, name: str) -> list[dict[str, str]]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        exposition = response.read().decode()
    return [
        sample.labels
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
        if sample.name == name
    ]


def test_prometheus_endpoint_applies_the_limit() -> None:
    """The configured ``/metrics`` reader with a limit of 50: a counter fed 3,000 attribute
    sets shows 50 series plus one ``otel_metric_overflow="true"`` series."""
    endpoint = start_prometheus_endpoint("127.0.0.1", free_port(), cardinality_limit=50)
    assert endpoint is not None
    provider = MeterProvider(metric_readers=[endpoint.reader])
    try:
        counter = provider.get_meter("cardinality").create_counter("tenant.requests")
        for tenant in range(3000):
            counter.add(1, {"tenant": f"t{tenant}"})
        samples = _scrape(endpoint.port, "tenant_requests_total")
    finally:
        provider.shutdown()
        endpoint.close()
    assert len(samples) == 51
    assert [s for s in samples if s.get("otel_metric_overflow") == "true"]


def test_otlp_reader_applies_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """The meter provider ``configure()`` builds, exporting over OTLP with a limit of 50: a
    histogram fed 3,000 attribute sets arrives as 50 points plus one overflow point."""
    settings = TelemetrySettings(
        service_name="cardinality", metrics_exporters=("otlp",), metric_cardinality_limit=50
    )
    with OtlpReceiver() as receiver:
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint)
        provider = _meter_provider(settings, Resource.create({}), None)
        histogram = provider.get_meter("cardinality").create_histogram("tenant.latency", unit="s")
        for tenant in range(3000):
            histogram.record(0.01, {"tenant": f"t{tenant}"})
        provider.shutdown()  # one export, then the reader stops
        points = [
            point
            for _resource, metric in receiver.metrics()
            if metric.name == "tenant.latency"
            for point in metric.histogram.data_points
        ]
    assert len(points) == 51
    (overflow,) = [p for p in points if any(a.key == OVERFLOW for a in p.attributes)]
    assert overflow.count == 2950
