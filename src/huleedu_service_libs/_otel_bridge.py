"""The one place where the library hands over to ``huleedu_otel``.

A few seed functions exist to switch telemetry on (``init_tracing``,
``setup_tracing_middleware``, ``setup_standard_service_metrics_middleware``,
``setup_database_monitoring``). The library may not import the SDK side at module level
(ARCHITECTURE.md, "The boundary rule"), so each of them calls a function here, which imports
``huleedu_otel`` lazily. Nothing else under ``src/`` imports ``huleedu_otel``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from quart import Quart

# --- tracing: init_tracing -> huleedu_otel.configure ---


def configure_telemetry(service_name: str) -> None:
    """Set the SDK up for this process (traces, metrics, logs, our instrumentors), once."""
    import huleedu_otel  # lazily: the hand-over this module exists for

    huleedu_otel.configure(service_name)


# --- HTTP: setup_*_middleware -> huleedu_otel.quart ---


def instrument_quart_app(app: Quart) -> bool:
    """Switch the ``huleedu_quart`` instrumentor on for ``app``; ``False`` if it already was.

    Both seed middlewares call this, so a service that calls both (or also runs under
    ``opentelemetry-instrument``) still gets one span per request.
    """
    from huleedu_otel.quart import QuartInstrumentor

    return QuartInstrumentor.instrument_app(app)


# --- database: setup_database_monitoring -> huleedu_otel.sqlalchemy ---


def instrument_database_engine(engine: Any, pool_name: str | None = None) -> bool:
    """Spans, query and pool metrics for ``engine``; ``False`` when it already had them."""
    from huleedu_otel.sqlalchemy import SQLAlchemyInstrumentor

    instrumented: bool = SQLAlchemyInstrumentor().instrument_engine(engine, pool_name=pool_name)
    return instrumented


def uninstrument_database_engine(engine: Any) -> bool:
    from huleedu_otel.sqlalchemy import SQLAlchemyInstrumentor

    removed: bool = SQLAlchemyInstrumentor().uninstrument_engine(engine)
    return removed
