"""Shared fixtures: real services, test-owned brokers, and subprocess environments.

The shared PostgreSQL and Redis come from ``HULEEDU_TEST_POSTGRES_URL`` / ``HULEEDU_TEST_REDIS_URL``
or default to the machine's 127.0.0.1:5432 and :6379. When one is missing, its tests skip, except
under ``CI=true``, where a missing service is a failure.
"""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from huleedu_service_libs.redis_client import RedisClient
from tests import _services
from tests._services import free_port

REPO_ROOT = Path(__file__).resolve().parent.parent
BIN_DIR = Path(sys.executable).parent
IN_CI = os.environ.get("CI", "").lower() == "true"

__all__ = ["BIN_DIR", "REPO_ROOT", "clean_env", "free_port"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--run-slow", action="store_true", help="also run the soak tests marked slow")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Soak tests are opt-in: CI runs the bounded versions, ``--run-slow`` the long ones."""
    if config.getoption("--run-slow"):
        return
    deselected = [item for item in items if item.get_closest_marker("slow")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker("slow")]


def clean_env(**overrides: str) -> dict[str, str]:
    """The current environment without OTEL_* settings, plus ``overrides``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env["PATH"] = f"{BIN_DIR}{os.pathsep}{env.get('PATH', '')}"
    env.update(overrides)
    return env


def _require(url: str, what: str) -> str:
    parts = urlsplit(url)
    if not _services.port_open(parts.hostname or "127.0.0.1", parts.port or 0):
        message = f"{what} is not reachable at {parts.hostname}:{parts.port}"
        if IN_CI:
            pytest.fail(message + " (CI=true: a missing service is a failure)")
        pytest.skip(message)
    return url


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """An asyncpg URL for the shared PostgreSQL's ``test`` database."""
    url = os.environ.get(
        "HULEEDU_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
    )
    return _require(url.replace("+asyncpg", ""), "PostgreSQL") and url


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The shared Redis; tests use keys under a unique prefix and never flush it."""
    return _require(os.environ.get("HULEEDU_TEST_REDIS_URL", "redis://127.0.0.1:6379/0"), "Redis")


@pytest.fixture(scope="session")
def kafka_broker() -> Iterator[_services.ServerProcess]:
    """A tansu broker for the session (it lacks the idempotent producer)."""
    broker = _services.tansu().start()
    yield broker
    broker.stop()


@pytest.fixture(scope="session")
def kafka_bootstrap(kafka_broker: _services.ServerProcess) -> str:
    return f"127.0.0.1:{kafka_broker.port}"


@pytest.fixture
def unused_port() -> int:
    return free_port()


@pytest.fixture
def killable_redis() -> Iterator[_services.ServerProcess]:
    """A test-owned redis-server on a free port, for tests that kill, hang or restart it."""
    process = _services.redis_server().start()
    yield process
    process.stop()


@pytest.fixture
async def killable_client(killable_redis: _services.ServerProcess) -> AsyncIterator[RedisClient]:
    """A started ``RedisClient`` of :func:`killable_redis`, stopped after the test."""
    client = RedisClient(client_id="outage", redis_url=f"redis://127.0.0.1:{killable_redis.port}/0")
    await client.start()
    yield client
    await client.stop()
