"""The example's configuration, from the environment the way HuleEdu services read it."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path


def _sqlite_default() -> str:
    return f"sqlite+aiosqlite:///{Path(tempfile.gettempdir()) / 'huleedu-essays.db'}"


def _flag(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes"}


@dataclass(frozen=True)
class Settings:
    SERVICE_NAME: str = field(
        default_factory=lambda: os.environ.get("SERVICE_NAME", "essay-service")
    )
    ENVIRONMENT: str = field(default_factory=lambda: os.environ.get("ENVIRONMENT", "development"))
    LOG_LEVEL: str = field(default_factory=lambda: os.environ.get("LOG_LEVEL", "INFO"))
    DATABASE_URL: str = field(
        default_factory=lambda: os.environ.get("DATABASE_URL") or _sqlite_default()
    )
    REDIS_URL: str = field(
        default_factory=lambda: os.environ.get("REDIS_URL", "redis://redis:6379")
    )
    KAFKA_BOOTSTRAP_SERVERS: str = field(
        default_factory=lambda: os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "kafka:9092")
    )
    #: Apache Kafka supports the idempotent producer; the embedded demo broker does not.
    KAFKA_IDEMPOTENCE: bool = field(default_factory=lambda: _flag("KAFKA_IDEMPOTENCE", True))
    #: Run the consumer inside the web process (the demo) or as its own process (compose).
    RUN_CONSUMER: bool = field(default_factory=lambda: _flag("RUN_CONSUMER", True))
    GRADER_RECOVERY_SECONDS: float = field(
        default_factory=lambda: float(os.environ.get("GRADER_RECOVERY_SECONDS", "5"))
    )

    TOPIC: str = "essay-events"
    CONSUMER_GROUP: str = "essay-workers"
