"""What an engine's URL may tell telemetry: system, database, server, and the pool's name.

Only the host, port and database name are read from the URL; the user and password never
leave it.
"""

from __future__ import annotations

from dataclasses import dataclass

from opentelemetry.util.types import AttributeValue
from sqlalchemy.engine import Engine

#: SQLAlchemy dialect name -> ``db.system.name`` (semconv well-known values).
_SYSTEM_NAMES = {
    "postgresql": "postgresql",
    "sqlite": "sqlite",
    "mysql": "mysql",
    "mariadb": "mariadb",
    "mssql": "microsoft.sql_server",
    "oracle": "oracle.db",
}
_DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306, "mariadb": 3306, "mssql": 1433}

POOL_NAME = "db.client.connection.pool.name"


@dataclass(frozen=True, slots=True)
class EngineAttributes:
    """The attributes every span and metric of one engine carries."""

    system: str
    namespace: str | None
    address: str | None
    port: int | None
    pool_name: str

    def common(self) -> dict[str, AttributeValue]:
        found: dict[str, AttributeValue | None] = {
            "db.system.name": self.system,
            "db.namespace": self.namespace,
            "server.address": self.address,
            "server.port": self.port,
        }
        return {k: v for k, v in found.items() if v is not None}

    def pool(self) -> dict[str, AttributeValue]:
        return {POOL_NAME: self.pool_name}


def describe_engine(engine: Engine, pool_name: str | None = None) -> EngineAttributes:
    url = engine.url
    dialect = engine.dialect.name
    port = url.port or (_DEFAULT_PORTS.get(dialect) if url.host else None)
    namespace = url.database or None
    return EngineAttributes(
        system=_SYSTEM_NAMES.get(dialect, dialect),
        namespace=namespace,
        address=url.host or None,
        port=port,
        pool_name=pool_name
        or _logging_name(engine)
        or _default_pool_name(url.host, port, namespace),
    )


def _logging_name(engine: Engine) -> str | None:
    """The ``pool_logging_name`` the application gave the engine, if any."""
    name = getattr(engine.pool, "logging_name", None)
    return name if isinstance(name, str) and name else None


def _default_pool_name(host: str | None, port: int | None, namespace: str | None) -> str:
    """``server.address:server.port/db.namespace``, as the conventions suggest."""
    if host is None:
        return namespace or ":memory:"
    return f"{host}:{port}/{namespace or ''}"
