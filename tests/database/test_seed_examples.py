"""The seed README's database examples, run as written (a Quart app, a repository)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from quart import Blueprint, Quart, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from huleedu_otel.testing import TelemetryCapture
from huleedu_service_libs.database import (
    DatabaseHealthChecker,
    query_performance_tracker,
    setup_database_monitoring,
)


class Settings:
    DATABASE_URL = "sqlite+aiosqlite:///:memory:"


# --- verbatim from the seed's "Integration Example" (startup_setup.py, health routes) ---


async def setup_database(app: Quart, settings: Settings) -> AsyncEngine:
    engine = create_async_engine(settings.DATABASE_URL)

    # Setup monitoring
    db_metrics = setup_database_monitoring(engine, "content_service")
    app.extensions["db_metrics"] = db_metrics

    # Store health checker
    app.health_checker = DatabaseHealthChecker(engine, "content_service")  # type: ignore[attr-defined]

    return engine


health_bp = Blueprint("health", __name__)


@health_bp.route("/healthz")
async def health_check() -> Any:
    health_checker = current_app.health_checker  # type: ignore[attr-defined]
    summary = await health_checker.get_health_summary()
    return jsonify(summary), 200 if summary["status"] == "healthy" else 503


# --- the "Health Check Pattern" route, which reads overall_status ---

typed_bp = Blueprint("typed_health", __name__)


@typed_bp.route("/healthz-typed")
async def typed_health_check() -> Any:
    engine = current_app.database_engine  # type: ignore[attr-defined]
    health_checker = DatabaseHealthChecker(engine, "service_name")
    summary = await health_checker.get_health_summary()
    status_code = 200 if summary["overall_status"] == "healthy" else 503
    return jsonify(summary), status_code


@pytest.fixture
async def app() -> AsyncIterator[Quart]:
    app = Quart(__name__)
    engine = await setup_database(app, Settings())
    app.database_engine = engine  # type: ignore[attr-defined]
    app.register_blueprint(health_bp)
    app.register_blueprint(typed_bp)
    yield app
    app.extensions["db_metrics"].stop()
    await engine.dispose()


@pytest.mark.parametrize("path", ["/healthz", "/healthz-typed"])
async def test_seed_health_routes_answer_200_with_the_summary(app: Quart, path: str) -> None:
    response = await app.test_client().get(path)
    body = await response.get_json()
    assert (response.status_code, body["overall_status"]) == (200, "healthy")


async def test_seed_repository_decorator_times_the_method(
    app: Quart, otel: TelemetryCapture
) -> None:
    metrics = app.extensions["db_metrics"]
    engine = app.database_engine  # type: ignore[attr-defined]

    class ContentRepository:
        @query_performance_tracker(metrics, operation="create", table="content")
        async def create_content(self, content_data: dict[str, Any]) -> int:
            # Database operation
            async with engine.begin() as conn:
                return int((await conn.execute(text("SELECT 1"))).scalar_one())

    assert await ContentRepository().create_content({"type": "essay"}) == 1
    assert (
        otel.metrics.count("huleedu.db.repository.duration", **{"db.operation.name": "create"}) == 1
    )
    assert [s.name for s in otel.spans()] == ["SELECT", "create content"]
