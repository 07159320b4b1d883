"""SQLAlchemy 2.0/2.1 instrumentation: a CLIENT span per statement and the semconv pool metrics.

Under ``opentelemetry-instrument`` it is loaded through the ``huleedu_sqlalchemy`` entry point
and every engine created afterwards is instrumented, sync or async::

    engine = create_async_engine("postgresql+asyncpg://app@db/essays")  # traced, pool measured

Engines created earlier, or through a ``create_engine`` imported before instrumentation (``from
sqlalchemy import create_engine`` keeps the unwrapped function, as with upstream), are
instrumented explicitly; doing it twice is harmless::

    SQLAlchemyInstrumentor().instrument_engine(engine)     # Engine or AsyncEngine
    SQLAlchemyInstrumentor().uninstrument_engine(engine)

What it records (names per the telemetry contract): spans ``{db.operation.name}
{db.collection.name}`` with ``db.query.text`` stripped of literals (parameters are never read);
``db.client.operation.duration``; ``db.client.connection.count`` (idle/used), ``.max``,
``.idle.max``, ``.idle.min``, ``.pending_requests``, ``.timeouts``, ``.create_time``,
``.wait_time``, ``.use_time`` per ``db.client.connection.pool.name``; and
``huleedu.db.transaction.duration`` by ``outcome``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any

from opentelemetry.instrumentation.instrumentor import (  # type: ignore[attr-defined]
    BaseInstrumentor,
)
from opentelemetry.instrumentation.utils import is_instrumentation_enabled, unwrap
from opentelemetry.metrics import MeterProvider
from opentelemetry.trace import TracerProvider
from wrapt import wrap_function_wrapper

from huleedu_otel.sqlalchemy import _engine
from huleedu_otel.sqlalchemy._pool import unpatch_pool_connect
from huleedu_otel.sqlalchemy._telemetry import DatabaseTelemetry, report_failure, telemetry_for
from huleedu_otel.sqlalchemy.package import _instruments

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlalchemy.ext.asyncio import AsyncEngine

__all__ = ["SQLAlchemyInstrumentor"]

#: Every public name ``create_engine`` / ``create_async_engine`` is reachable under.
_ENGINE_FACTORIES = (
    ("sqlalchemy", "create_engine"),
    ("sqlalchemy.engine", "create_engine"),
    ("sqlalchemy.engine.create", "create_engine"),
    ("sqlalchemy.ext.asyncio", "create_async_engine"),
    ("sqlalchemy.ext.asyncio.engine", "create_async_engine"),
)


class SQLAlchemyInstrumentor(BaseInstrumentor):  # type: ignore[misc]
    """Instruments engines created after ``instrument()``, and any engine on request."""

    def instrumentation_dependencies(self) -> Collection[str]:
        return _instruments

    def _instrument(self, **kwargs: Any) -> None:
        telemetry = _telemetry(kwargs)
        for module, name in _ENGINE_FACTORIES:
            wrap_function_wrapper(module, name, _wrap_factory(telemetry))
        for engine in [kwargs.get("engine"), *kwargs.get("engines", ())]:
            if engine is not None:
                _engine.instrument(engine, telemetry)

    def _uninstrument(self, **kwargs: Any) -> None:
        """Unwrap the factories and let go of every engine, however it was instrumented."""
        for module, name in _ENGINE_FACTORIES:
            unwrap(importlib.import_module(module), name)
        _engine.uninstrument_all()
        unpatch_pool_connect()

    def instrument_engine(
        self,
        engine: Engine | AsyncEngine,
        *,
        pool_name: str | None = None,
        tracer_provider: TracerProvider | None = None,
        meter_provider: MeterProvider | None = None,
    ) -> bool:
        """Instrument one ``Engine`` or ``AsyncEngine``; ``False`` when it already was.

        The providers default to the global ones; ``pool_name`` to the engine's
        ``pool_logging_name``, else ``host:port/database``.
        """
        return _engine.instrument(engine, telemetry_for(tracer_provider, meter_provider), pool_name)

    def uninstrument_engine(self, engine: Engine | AsyncEngine) -> bool:
        """Remove this engine's listeners; ``False`` when it was not instrumented."""
        return _engine.uninstrument(engine)

    @staticmethod
    def is_engine_instrumented(engine: Engine | AsyncEngine) -> bool:
        return _engine.is_instrumented(engine)


def _telemetry(kwargs: dict[str, Any]) -> DatabaseTelemetry:
    return telemetry_for(kwargs.get("tracer_provider"), kwargs.get("meter_provider"))


def _wrap_factory(telemetry: DatabaseTelemetry) -> Callable[..., Any]:
    def create(
        wrapped: Callable[..., Any], _instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        engine = wrapped(*args, **kwargs)
        if is_instrumentation_enabled():
            _instrument_quietly(engine, telemetry)
        return engine

    return create


def _instrument_quietly(engine: Any, telemetry: DatabaseTelemetry) -> None:
    """A new engine is returned whether or not instrumenting it worked."""
    try:
        _engine.instrument(engine, telemetry)
    except Exception:
        report_failure("instrumenting a new engine")
