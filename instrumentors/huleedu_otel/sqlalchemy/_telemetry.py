"""The tracer and instruments the engine listeners record into, and where failures are reported.

Observable instruments are registered with their callbacks when created, and the SDK keeps the
first registration of a name; so the instruments are created once per meter provider and their
callbacks read whatever pools are instrumented at collection time. A pool is anything with
:meth:`ObservedPool.readings` (the pool monitor); this module does not know its type.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from importlib.metadata import version
from typing import Protocol

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
from huleedu_service_libs._shared.report_once import ReportOnce

__all__ = [
    "POOL_READINGS",
    "DatabaseInstruments",
    "DatabaseTelemetry",
    "ObservedPool",
    "report_failure",
    "telemetry_for",
]

#: Telemetry never breaks the database call: call from an ``except`` block.
report_failure = ReportOnce(
    logging.getLogger("huleedu_otel.sqlalchemy"),
    "Telemetry failed in %s; the database call went on",
)

#: The pool readings semconv defines: (name suffix, unit, description).
POOL_READINGS = (
    ("count", "{connection}", "Connections by state (idle, used)."),
    ("max", "{connection}", "Most open connections the pool allows."),
    ("idle.max", "{connection}", "Most idle connections the pool keeps."),
    ("idle.min", "{connection}", "Fewest idle connections the pool keeps."),
    ("pending_requests", "{request}", "Requests waiting for a connection."),
)


class ObservedPool(Protocol):
    """What the observable callbacks read: one pool's observations of one reading."""

    def readings(self, suffix: str) -> list[Observation]: ...


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
    pools: weakref.WeakSet[ObservedPool] = field(default_factory=weakref.WeakSet)

    def live_pools(self) -> Iterator[ObservedPool]:
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
    for suffix, unit, description in POOL_READINGS:
        meter.create_observable_up_down_counter(
            f"db.client.connection.{suffix}",
            callbacks=[_callback(instruments, suffix)],
            unit=unit,
            description=description,
        )


def _callback(
    instruments: DatabaseInstruments, suffix: str
) -> Callable[[CallbackOptions], Iterable[Observation]]:
    def observe(_options: CallbackOptions) -> Iterable[Observation]:
        return [obs for pool in instruments.live_pools() for obs in pool.readings(suffix)]

    return observe
