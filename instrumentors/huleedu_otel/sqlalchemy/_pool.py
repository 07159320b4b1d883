"""Pool metrics: counts and limits read from the pool, times and timeouts from pool events.

SQLAlchemy has no event for "a checkout was requested", so waiting is measured by wrapping
``Pool.connect`` (class-level, through wrapt); the wrapper only acts for pools registered here.
Counts and limits come from ``QueuePool``'s own bookkeeping, so an engine instrumented late still
reports correct numbers; pools without that bookkeeping (``NullPool``, ``StaticPool``) are
counted from events.

A checkout costs two histogram records (``wait_time``, ``use_time``) and nothing else: counts
of a ``QueuePool`` are not kept from events, and the checkout time rides on the pool's own
connection record instead of a weak mapping.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from opentelemetry.instrumentation.utils import unwrap
from opentelemetry.metrics import Observation
from sqlalchemy import exc
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool, QueuePool, SingletonThreadPool
from wrapt import wrap_function_wrapper

from huleedu_otel.sqlalchemy._attributes import EngineAttributes
from huleedu_otel.sqlalchemy._telemetry import DatabaseTelemetry, report_failure

__all__ = ["PoolMonitor", "patch_pool_connect", "unpatch_pool_connect"]

#: pool -> its monitor; the ``Pool.connect`` wrapper looks pools up here.
_monitors: weakref.WeakKeyDictionary[Pool, PoolMonitor] = weakref.WeakKeyDictionary()
#: Where a checkout's start time is kept on SQLAlchemy's connection record until checkin.
_CHECKED_OUT_AT = "_huleedu_otel_checked_out_at"


@dataclass(frozen=True, slots=True)
class PoolLimits:
    max: int | None
    idle_max: int | None
    idle_min: int | None


class PoolMonitor:
    """One engine's pool: pending requests, event-derived counts and times."""

    def __init__(
        self, engine: Engine, attributes: EngineAttributes, telemetry: DatabaseTelemetry
    ) -> None:
        self._engine = weakref.ref(engine)
        self.attributes = attributes
        self._metrics = telemetry.metrics
        self._pool_attributes = attributes.pool()
        self._lock = threading.Lock()
        self.pending = 0
        self._open = 0
        self._used = 0
        self._connect_started: weakref.WeakKeyDictionary[Any, float] = weakref.WeakKeyDictionary()
        self._counts_from_events = not isinstance(engine.pool, QueuePool)

    def start(self) -> None:
        """Watch the engine's current pool and make ``timeouts`` visible at zero."""
        engine = self._engine()
        if engine is not None:
            _monitors[engine.pool] = self
        self._metrics.pools.add(self)
        self._metrics.timeouts.add(0, self._pool_attributes)

    def stop(self) -> None:
        self._metrics.pools.discard(self)
        engine = self._engine()
        if engine is not None:
            _monitors.pop(engine.pool, None)

    def listeners(self) -> list[tuple[str, Callable[..., Any]]]:
        """(event, listener) pairs to attach to the engine."""
        return [
            ("do_connect", self._on_do_connect),
            ("connect", self._on_connect),
            ("close", self._on_close),
            ("close_detached", self._on_close_detached),
            ("checkout", self._on_checkout),
            ("checkin", self._on_checkin),
            ("engine_disposed", self._on_engine_disposed),
        ]

    # --- readings (observable callbacks) ---

    def readings(self, suffix: str) -> list[Observation]:
        """One reading (``count``, ``max``, ...); a pool that fails to answer is skipped."""
        try:
            return list(_READERS[suffix](self))
        except Exception:
            report_failure(f"reading pool {self.attributes.pool_name}")
            return []

    def counts(self) -> tuple[int, int]:
        """(idle, used) connections."""
        pool = self._pool()
        if isinstance(pool, QueuePool):
            return pool.checkedin(), max(pool.checkedout(), 0)
        return max(self._open - self._used, 0), max(self._used, 0)

    def limits(self) -> PoolLimits:
        pool = self._pool()
        if isinstance(pool, QueuePool):
            overflow: int = pool._max_overflow  # no public accessor in 2.0 or 2.1
            size = pool.size()
            return PoolLimits(size + overflow if overflow >= 0 else None, size, 0)
        return PoolLimits(None, None, 0)

    def _pool(self) -> Pool | None:
        engine = self._engine()
        return engine.pool if engine is not None else None

    # --- Pool.connect ---

    def waited(
        self, connect: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        """Run one checkout, counting it as pending and timing the wait."""
        with self._lock:
            self.pending += 1
        started = time.perf_counter()
        try:
            connection = connect(*args, **kwargs)
        except exc.TimeoutError:
            self._metrics.timeouts.add(1, self._pool_attributes)
            raise
        finally:
            with self._lock:
                self.pending -= 1
        self._metrics.wait_time.record(time.perf_counter() - started, self._pool_attributes)
        return connection

    # --- pool events ---

    def _on_do_connect(self, _dialect: Any, record: Any, _cargs: Any, _cparams: Any) -> None:
        self._connect_started[record] = time.perf_counter()

    def _on_connect(self, _dbapi_connection: Any, record: Any) -> None:
        with self._lock:
            self._open += 1
        started = self._connect_started.pop(record, None)
        if started is not None:
            elapsed = time.perf_counter() - started
            self._metrics.create_time.record(elapsed, self._pool_attributes)

    def _on_close(self, _dbapi_connection: Any, _record: Any) -> None:
        with self._lock:
            self._open -= 1

    def _on_close_detached(self, _dbapi_connection: Any) -> None:
        with self._lock:
            self._open -= 1

    def _on_checkout(self, _dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if self._counts_from_events:
            with self._lock:
                self._used += 1
        setattr(record, _CHECKED_OUT_AT, time.perf_counter())

    def _on_checkin(self, _dbapi_connection: Any, record: Any) -> None:
        if self._counts_from_events:
            with self._lock:
                self._used -= 1
        started = record.__dict__.pop(_CHECKED_OUT_AT, None)
        if started is not None:
            elapsed = time.perf_counter() - started
            self._metrics.use_time.record(elapsed, self._pool_attributes)

    def _on_engine_disposed(self, engine: Engine) -> None:
        """``dispose()`` replaced the pool: watch the new one (listeners carried over)."""
        _monitors[engine.pool] = self
        self._counts_from_events = not isinstance(engine.pool, QueuePool)
        with self._lock:
            self._open = self._used = 0


def _counts(pool: PoolMonitor) -> Iterable[Observation]:
    idle, used = pool.counts()
    attributes = pool.attributes.pool()
    yield Observation(idle, {**attributes, "db.client.connection.state": "idle"})
    yield Observation(used, {**attributes, "db.client.connection.state": "used"})


def _limit(value: int | None, pool: PoolMonitor) -> Iterable[Observation]:
    if value is not None:
        yield Observation(value, pool.attributes.pool())


_READERS: dict[str, Callable[[PoolMonitor], Iterable[Observation]]] = {
    "count": _counts,
    "max": lambda pool: _limit(pool.limits().max, pool),
    "idle.max": lambda pool: _limit(pool.limits().idle_max, pool),
    "idle.min": lambda pool: _limit(pool.limits().idle_min, pool),
    "pending_requests": lambda pool: [Observation(pool.pending, pool.attributes.pool())],
}


# --- the class-level Pool.connect patch ---

#: ``SingletonThreadPool`` overrides ``connect`` without calling ``Pool.connect``.
_CONNECT_METHODS = ((Pool, "sqlalchemy.pool.base"), (SingletonThreadPool, "sqlalchemy.pool.impl"))
_patched = False


def patch_pool_connect() -> None:
    global _patched
    if not _patched:
        for cls, module in _CONNECT_METHODS:
            wrap_function_wrapper(module, f"{cls.__name__}.connect", _connect_wrapper)
        _patched = True


def unpatch_pool_connect() -> None:
    global _patched
    if _patched:
        for cls, _module in _CONNECT_METHODS:
            unwrap(cls, "connect")
        _patched = False


def _connect_wrapper(
    wrapped: Callable[[], Any], instance: Pool, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    monitor = _monitors.get(instance)
    if monitor is None:
        return wrapped(*args, **kwargs)
    return monitor.waited(wrapped, args, kwargs)
