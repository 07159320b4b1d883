"""Database monitoring and health checks (the seed's ``huleedu_service_libs.database``).

``setup_database_monitoring`` switches the SQLAlchemy instrumentation on for one engine,
``query_performance_tracker`` times repository methods, ``DatabaseHealthChecker`` answers
``/healthz``.
"""

from huleedu_service_libs.database._health import DatabaseHealthChecker
from huleedu_service_libs.database._monitoring import DatabaseMetrics, setup_database_monitoring
from huleedu_service_libs.database._tracking import query_performance_tracker
from huleedu_service_libs.protocols import DatabaseMetricsProtocol

__all__ = [
    "DatabaseHealthChecker",
    "DatabaseMetrics",
    "DatabaseMetricsProtocol",
    "query_performance_tracker",
    "setup_database_monitoring",
]
