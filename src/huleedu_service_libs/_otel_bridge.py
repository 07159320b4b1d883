"""The one place where the library hands over to ``huleedu_otel``.

A few seed functions exist to switch telemetry on (``init_tracing``,
``setup_tracing_middleware``, ``setup_standard_service_metrics_middleware``,
``setup_database_monitoring``). The library may not import the SDK side at module level
(architecture rule 1), so each of them calls a function here, which imports ``huleedu_otel``
lazily. Nothing else under ``src/`` imports ``huleedu_otel``.
"""

from __future__ import annotations

# --- tracing: init_tracing -> huleedu_otel.configure ---


def configure_telemetry(service_name: str) -> None:
    """Set the SDK up for this process (traces, metrics, logs, our instrumentors), once."""
    import huleedu_otel  # lazily: the hand-over this module exists for

    huleedu_otel.configure(service_name)


# --- HTTP: setup_*_middleware -> huleedu_otel.quart ---

# --- database: setup_database_monitoring -> huleedu_otel.sqlalchemy ---
