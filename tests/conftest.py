"""Shared fixtures: real services, test-owned brokers, and subprocess environments.

The shared PostgreSQL and Redis come from ``HULEEDU_TEST_POSTGRES_URL`` / ``HULEEDU_TEST_REDIS_URL``
or default to the machine's 127.0.0.1:5432 and :6379. When one is missing, its tests skip, except
under ``CI=true``, where a missing service is a failure.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from quart import Quart
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from huleedu_otel.quart import QuartInstrumentor
from huleedu_service_libs.redis_client import RedisClient
from tests import _services
from tests._services import free_port

REPO_ROOT = Path(__file__).resolve().parent.parent
BIN_DIR = Path(sys.executable).parent
IN_CI = os.environ.get("CI", "").lower() == "true"
#: What :func:`protected_redis` requires; the tests using it check that it never shows.
REDIS_PASSWORD = "s3cret-Pa55word"

__all__ = [
    "BIN_DIR",
    "REDIS_PASSWORD",
    "REPO_ROOT",
    "Launched",
    "QuartApps",
    "clean_env",
    "free_port",
    "launched_under_instrument",
]


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


@dataclass
class Launched:
    """What a launched app printed; filled in when its block ends."""

    stdout: str = ""
    stderr: str = ""


@contextmanager
def launched_under_instrument(app: str, port: int, **env: str) -> Iterator[Launched]:
    """``opentelemetry-instrument hypercorn <app>`` on ``port`` (environment: ``clean_env(**env)``
    plus the repository on ``PYTHONPATH``), listening when the block starts, stopped with
    SIGINT when it ends."""
    command = [str(BIN_DIR / "opentelemetry-instrument"), str(BIN_DIR / "hypercorn")]
    server = subprocess.Popen(
        [*command, "--bind", f"127.0.0.1:{port}", app],
        env=clean_env(PYTHONPATH=str(REPO_ROOT), **env),
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    launched = Launched()
    try:
        _services.wait_for_port(port, timeout=30)
        yield launched
    finally:
        server.send_signal(signal.SIGINT)
        launched.stdout, launched.stderr = server.communicate(timeout=30)


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


@pytest.fixture
async def engine(postgres_url: str) -> AsyncIterator[AsyncEngine]:
    """An async engine on the shared PostgreSQL, disposed after the test (folders may override)."""
    engine = create_async_engine(postgres_url, pool_size=10)
    yield engine
    await engine.dispose()


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


@pytest.fixture
def protected_redis() -> Iterator[_services.ServerProcess]:
    """A test-owned redis-server that requires :data:`REDIS_PASSWORD`."""
    process = _services.redis_server()
    process.argv += ["--requirepass", REDIS_PASSWORD]
    yield process.start()
    process.stop()


class QuartApps:
    """The Quart apps of one test: each is uninstrumented after it, whoever instrumented it."""

    def __init__(self) -> None:
        self._apps: list[Quart] = []

    def instrumented(self, app: Quart, **options: Any) -> Quart:
        """``app`` with ``QuartInstrumentor.instrument_app(app, **options)`` applied."""
        QuartInstrumentor.instrument_app(app, **options)
        return self.restored_after(app)

    def restored_after(self, app: Quart) -> Quart:
        """``app`` as it is (code under test instruments it), restored after the test."""
        self._apps.append(app)
        return app

    def restore(self) -> None:
        for app in self._apps:
            QuartInstrumentor.uninstrument_app(app)


@pytest.fixture
def quart_apps() -> Iterator[QuartApps]:
    apps = QuartApps()
    yield apps
    apps.restore()
