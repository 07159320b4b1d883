"""The tracer and instruments the engine listeners record into.

Observable instruments are registered with their callbacks when created, and the SDK keeps the
first registration of a name; so the instruments are created once per meter provider and their
callbacks read whatever pools are instrumented at collection time.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from importlib.metadata import version
from typing import TYPE_CHECKING

from opentelemetry.metrics import (
    CallbackOptions,
    Counter,
    Histogram,
    Meter,
    MeterProvider,
    Observation,
    get_meter,
)
from opentelemetry.trace import Tracer, TracerProvider, get_tracer

from huleedu_service_libs._shared import db_duration as _db_duration
from huleedu_service_libs._shared.buckets import DB_SECONDS

if TYPE_CHECKING:
    from huleedu_otel.sqlalchemy._pool import PoolMonitor

_SCOPE = "huleedu_otel.sqlalchemy"
_SCHEMA_URL = "https://opentelemetry.io/schemas/1.37.0"
_VERSION = version("huleedu-service-libs")


@dataclass(eq=False)
class DatabaseInstruments:
    """One meter provider's instruments, and the pools its observable callbacks read."""

    operation_duration: Histogram
    transaction_duration: Histogram
    create_time: Histogram
    wait_time: Histogram
    use_time: Histogram
    timeouts: Counter
    pools: weakref.WeakSet[PoolMonitor] = field(default_factory=weakref.WeakSet)

    def live_pools(self) -> Iterator[PoolMonitor]:
        yield from list(self.pools)


@dataclass(frozen=True, eq=False)
class DatabaseTelemetry:
    """Everything the engine listeners record into."""

    tracer: Tracer
    metrics: DatabaseInstruments


#: Keyed by the provider itself (not its id, which a collected provider hands on). One entry
#: per meter provider: the SDK keeps the first registration of an observable's name.
_instruments: dict[MeterProvider | None, DatabaseInstruments] = {}
_instruments_lock = threading.Lock()


def telemetry_for(
    tracer_provider: TracerProvider | None = None, meter_provider: MeterProvider | None = None
) -> DatabaseTelemetry:
    """Tracer and instruments for these providers (``None``: the global ones)."""
    tracer = get_tracer(_SCOPE, _VERSION, tracer_provider, schema_url=_SCHEMA_URL)
    with _instruments_lock:
        if meter_provider not in _instruments:
            _instruments[meter_provider] = _create(meter_provider)
        return DatabaseTelemetry(tracer, _instruments[meter_provider])


def _create(meter_provider: MeterProvider | None) -> DatabaseInstruments:
    meter = get_meter(_SCOPE, _VERSION, meter_provider, schema_url=_SCHEMA_URL)
    instruments = DatabaseInstruments(
        operation_duration=_db_duration.create(meter_provider),
        transaction_duration=_seconds(
            meter, "huleedu.db.transaction.duration", "transactions, from begin to commit/rollback"
        ),
        create_time=_seconds(meter, "db.client.connection.create_time", "creating a connection"),
        wait_time=_seconds(meter, "db.client.connection.wait_time", "obtaining a connection"),
        use_time=_seconds(meter, "db.client.connection.use_time", "a checked-out connection"),
        timeouts=meter.create_counter(
            "db.client.connection.timeouts",
            unit="{timeout}",
            description="Connection requests that timed out waiting for the pool.",
        ),
    )
    _observe_pools(meter, instruments)
    return instruments


def _seconds(meter: Meter, name: str, what: str) -> Histogram:
    return meter.create_histogram(
        name,
        unit="s",
        description=f"Duration of {what}.",
        explicit_bucket_boundaries_advisory=list(DB_SECONDS),
    )


def _observe_pools(meter: Meter, instruments: DatabaseInstruments) -> None:
    """The counts and limits semconv defines, read from the pools when a reader collects."""
    readings: list[tuple[str, str, str, Callable[[PoolMonitor], Iterable[Observation]]]] = [
        ("count", "{connection}", "Connections by state (idle, used).", _counts),
        ("max", "{connection}", "Most open connections the pool allows.", _max),
        ("idle.max", "{connection}", "Most idle connections the pool keeps.", _idle_max),
        ("idle.min", "{connection}", "Fewest idle connections the pool keeps.", _idle_min),
        ("pending_requests", "{request}", "Requests waiting for a connection.", _pending),
    ]
    for suffix, unit, description, read in readings:
        meter.create_observable_up_down_counter(
            f"db.client.connection.{suffix}",
            callbacks=[_callback(instruments, read)],
            unit=unit,
            description=description,
        )


def _callback(
    instruments: DatabaseInstruments, read: Callable[[PoolMonitor], Iterable[Observation]]
) -> Callable[[CallbackOptions], Iterable[Observation]]:
    def observe(_options: CallbackOptions) -> Iterable[Observation]:
        return [obs for pool in instruments.live_pools() for obs in pool.observe(read)]

    return observe


def _counts(pool: PoolMonitor) -> Iterable[Observation]:
    idle, used = pool.counts()
    attributes = pool.attributes.pool()
    yield Observation(idle, {**attributes, "db.client.connection.state": "idle"})
    yield Observation(used, {**attributes, "db.client.connection.state": "used"})


def _max(pool: PoolMonitor) -> Iterable[Observation]:
    return _limit(pool, pool.limits().max)


def _idle_max(pool: PoolMonitor) -> Iterable[Observation]:
    return _limit(pool, pool.limits().idle_max)


def _idle_min(pool: PoolMonitor) -> Iterable[Observation]:
    return _limit(pool, pool.limits().idle_min)


def _pending(pool: PoolMonitor) -> Iterable[Observation]:
    yield Observation(pool.pending, pool.attributes.pool())


def _limit(pool: PoolMonitor, value: int | None) -> Iterable[Observation]:
    if value is not None:
        yield Observation(value, pool.attributes.pool())
