"""HTTP routes: essays, health, and two admin switches the demo uses."""

from __future__ import annotations

import uuid
from typing import Any, cast

from quart import Blueprint, current_app, jsonify, request
from quart.typing import ResponseReturnValue
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from huleedu_otel.tools.examples.essay_service.events import ESSAY_SUBMITTED, EssaySubmitted
from huleedu_otel.tools.examples.essay_service.grader import FlakyGrader, GraderProtocol
from huleedu_otel.tools.examples.essay_service.models import Essay
from huleedu_otel.tools.examples.essay_service.settings import Settings
from huleedu_service_libs import EventEnvelope, HuleEduApp
from huleedu_service_libs.database import DatabaseHealthChecker
from huleedu_service_libs.errors import CircuitBreakerError
from huleedu_service_libs.logging_utils import create_service_logger
from huleedu_service_libs.outbox import OutboxManager
from huleedu_service_libs.protocols import KafkaPublisherProtocol, RedisClientProtocol

bp = Blueprint("essays", __name__)
logger = create_service_logger("essay_service.api")


def _app() -> HuleEduApp:
    return cast(HuleEduApp, current_app._get_current_object())  # type: ignore[attr-defined]


def _sessions() -> async_sessionmaker[AsyncSession]:
    return cast(async_sessionmaker[AsyncSession], _app().extensions["sessions"])


async def _get(dependency: type[Any]) -> Any:
    return await _app().container.get(dependency)


@bp.get("/healthz")
async def healthz() -> ResponseReturnValue:
    settings: Settings = await _get(Settings)
    summary = await DatabaseHealthChecker(
        _app().database_engine, settings.SERVICE_NAME
    ).get_health_summary()
    return jsonify(summary), 200 if summary["overall_status"] == "healthy" else 503


@bp.post("/essays")
async def submit_essay() -> ResponseReturnValue:
    body = await request.get_json()
    essay = Essay(id=str(uuid.uuid4()), user_id=str(body["user_id"]), text=str(body["text"]))
    settings: Settings = await _get(Settings)
    envelope = EventEnvelope[EssaySubmitted](
        event_type=ESSAY_SUBMITTED,
        source_service=settings.SERVICE_NAME,
        data=EssaySubmitted(essay_id=essay.id, user_id=essay.user_id),
    )
    outbox: OutboxManager = await _get(OutboxManager)
    async with _sessions().begin() as session:  # the essay and its event: one transaction
        session.add(essay)
        await outbox.publish_to_outbox(
            "essay", essay.id, ESSAY_SUBMITTED, envelope, settings.TOPIC, essay.id, session=session
        )
    _app().extensions.setdefault("last_envelopes", {})[essay.id] = envelope
    logger.info("Essay submitted", essay_id=essay.id, event_id=str(envelope.event_id))
    return jsonify({"essay_id": essay.id}), 201


@bp.get("/essays/<essay_id>")
async def get_essay(essay_id: str) -> ResponseReturnValue:
    async with _sessions()() as session:
        essay = await session.get(Essay, essay_id)
    if essay is None:
        return jsonify({"error": "not found"}), 404
    redis: RedisClientProtocol = await _get(RedisClientProtocol)
    cached = await redis.get(f"essay:{essay_id}:word_count")
    return jsonify({"essay_id": essay.id, "word_count": int(cached) if cached else None})


@bp.post("/essays/<essay_id>/grade")
async def grade_essay(essay_id: str) -> ResponseReturnValue:
    async with _sessions()() as session:
        essay = await session.get(Essay, essay_id)
    if essay is None:
        return jsonify({"error": "not found"}), 404
    grader: GraderProtocol = await _get(GraderProtocol)
    try:
        score = await grader.grade(essay.text)
    except CircuitBreakerError:
        logger.warning("Grader circuit open; not calling it", essay_id=essay_id)
        return jsonify({"error": "grader unavailable, try later"}), 503
    except Exception as exc:
        logger.error("Grader failed", essay_id=essay_id, error=str(exc))
        return jsonify({"error": "grader failed"}), 502
    return jsonify({"essay_id": essay_id, "score": score})


@bp.post("/admin/grader")
async def switch_grader() -> ResponseReturnValue:
    """Turn the stand-in grading API off or on (``{"healthy": false}``)."""
    body = await request.get_json()
    grader = cast(FlakyGrader, _app().extensions["flaky_grader"])
    grader.healthy = bool(body["healthy"])
    return jsonify({"healthy": grader.healthy})


@bp.post("/admin/replay/<essay_id>")
async def replay_event(essay_id: str) -> ResponseReturnValue:
    """Publish an essay's event again, same event id: what a producer retry looks like."""
    envelope = _app().extensions.get("last_envelopes", {}).get(essay_id)
    if envelope is None:
        return jsonify({"error": "no event for that essay"}), 404
    settings: Settings = await _get(Settings)
    bus: KafkaPublisherProtocol = await _get(KafkaPublisherProtocol)
    await bus.publish(settings.TOPIC, envelope, key=essay_id)
    return jsonify({"replayed": str(envelope.event_id)})
