"""Attach and detach one engine's listeners; the registry keeps weak references only.

Instrumenting an engine twice is a no-op, so ``create_async_engine`` (which calls
``create_engine`` inside) and an explicit ``instrument_engine`` never double the spans.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from huleedu_otel.sqlalchemy._attributes import describe_engine
from huleedu_otel.sqlalchemy._pool import PoolMonitor, patch_pool_connect
from huleedu_otel.sqlalchemy._statements import StatementTracer
from huleedu_otel.sqlalchemy._telemetry import DatabaseTelemetry, report_failure

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

Listener = tuple[str, Callable[..., Any]]


class EngineInstrumentation:
    """The listeners attached to one engine, so they can be removed again."""

    def __init__(self, engine: Engine, monitor: PoolMonitor, listeners: list[Listener]) -> None:
        self._engine = weakref.ref(engine)
        self.monitor = monitor
        guard = report_failure.guarded
        self._listeners = [(name, guard(listener, name)) for name, listener in listeners]

    def attach(self, engine: Engine) -> None:
        for identifier, listener in self._listeners:
            event.listen(engine, identifier, listener)
        self.monitor.start()

    def detach(self) -> None:
        self.monitor.stop()
        engine = self._engine()
        if engine is None:
            return
        for identifier, listener in self._listeners:
            if event.contains(engine, identifier, listener):
                event.remove(engine, identifier, listener)


_instrumented: weakref.WeakKeyDictionary[Engine, EngineInstrumentation] = (
    weakref.WeakKeyDictionary()
)
_lock = threading.Lock()


def sync_engine_of(engine: Engine | AsyncEngine) -> Engine:
    """The ``Engine`` behind an ``AsyncEngine`` (or the engine itself)."""
    sync = getattr(engine, "sync_engine", engine)
    if not isinstance(sync, Engine):
        raise TypeError(f"expected a SQLAlchemy Engine or AsyncEngine, got {type(engine)!r}")
    return sync


def instrument(
    engine: Engine | AsyncEngine, telemetry: DatabaseTelemetry, pool_name: str | None = None
) -> bool:
    """Attach our listeners unless already there; ``True`` when this call attached them."""
    sync = sync_engine_of(engine)
    with _lock:
        if sync in _instrumented:
            return False
        attributes = describe_engine(sync, pool_name)
        monitor = PoolMonitor(sync, attributes, telemetry)
        tracer = StatementTracer(attributes, telemetry)
        instrumentation = EngineInstrumentation(
            sync, monitor, tracer.listeners() + monitor.listeners()
        )
        patch_pool_connect()
        instrumentation.attach(sync)
        _instrumented[sync] = instrumentation
        return True


def uninstrument(engine: Engine | AsyncEngine) -> bool:
    """Remove our listeners; ``True`` when there were any."""
    with _lock:
        instrumentation = _instrumented.pop(sync_engine_of(engine), None)
    if instrumentation is None:
        return False
    instrumentation.detach()
    return True


def uninstrument_all() -> None:
    for engine in list(_instrumented.keys()):
        uninstrument(engine)


def is_instrumented(engine: Engine | AsyncEngine) -> bool:
    return sync_engine_of(engine) in _instrumented
