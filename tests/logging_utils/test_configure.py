"""What ``configure_service_logging`` makes a service print, in production and development."""

from __future__ import annotations

import json
import logging
import re
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from opentelemetry import trace
from pydantic import BaseModel, Field

from huleedu_otel.testing import TelemetryCapture
from huleedu_service_libs.correlation import bind_correlation_id, reset_correlation_id
from huleedu_service_libs.logging_utils import (
    configure_service_logging,
    create_service_logger,
    log_event_processing,
)

CORRELATION_ID = "550e8400-e29b-41d4-a716-446655440000"


class Envelope(BaseModel):
    """The shape of the library's EventEnvelope, as ``log_event_processing`` sees it."""

    event_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    event_type: str
    event_timestamp: datetime = Field(default_factory=lambda: datetime.now(UTC))
    source_service: str
    correlation_id: uuid.UUID | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    metadata: dict[str, Any] = Field(default_factory=dict)


def _json_lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_seed_example_prints_the_seeds_json_fields_in_production(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The README's usage example runs as written and prints its documented JSON fields."""
    content_id, user_id = "c123", "u456"
    envelope = Envelope(
        event_type="CONTENT_UPDATED",
        source_service="content_service",
        correlation_id=uuid.UUID(CORRELATION_ID),
    )
    configure_service_logging(
        service_name="content-service", environment="production", log_level="INFO"
    )
    logger = create_service_logger("content.api")
    token = bind_correlation_id(CORRELATION_ID)
    try:
        logger.info("Creating content", content_id=content_id, user_id=user_id)
        log_event_processing(logger, "Processing content update", envelope, content_id=content_id)
    finally:
        reset_correlation_id(token)

    created, processed = _json_lines(capsys.readouterr().out)
    assert (list(created)[:7]) == [
        "timestamp",
        "level",
        "logger_name",
        "filename",
        "func_name",
        "lineno",
        "message",
    ]
    assert {
        "level": "INFO",
        "logger_name": "content.api",
        "filename": "test_configure.py",
        "func_name": "test_seed_example_prints_the_seeds_json_fields_in_production",
        "message": "Creating content",
        "content_id": "c123",
        "user_id": "u456",
        "correlation_id": CORRELATION_ID,
        "service": "content-service",
        "environment": "production",
    }.items() <= created.items()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z", created["timestamp"])
    assert {
        "message": "Processing content update",
        "event_id": str(envelope.event_id),
        "event_type": "CONTENT_UPDATED",
        "source_service": "content_service",
        "correlation_id": CORRELATION_ID,
        "content_id": "c123",
    }.items() <= processed.items()


def test_console_lines_follow_the_seeds_development_shape(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Development: ``<ts> [INFO    ] logger:file:function:line message key=value ...``."""
    configure_service_logging("content-service", environment="development")
    logger = create_service_logger("content.api")

    logger.info("Creating content", content_id="c123", user_id="u456")

    line = capsys.readouterr().out.strip()
    assert re.fullmatch(
        r"\S+Z \[INFO    \] content\.api:test_configure\.py:"
        r"test_console_lines_follow_the_seeds_development_shape:\d+ Creating content "
        r"content_id=c123 environment=development service=content-service user_id=u456",
        line,
    ), line


def test_environment_comes_from_the_environment_variable_when_not_given(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without an argument ``ENVIRONMENT`` decides: ``production`` gives JSON lines."""
    monkeypatch.setenv("ENVIRONMENT", "production")
    configure_service_logging("svc")

    create_service_logger("x").info("hello")

    (line,) = _json_lines(capsys.readouterr().out)
    assert (line["environment"], line["message"]) == ("production", "hello")


@pytest.mark.parametrize("environment", ["production", "development"])
def test_every_event_inside_a_span_carries_its_trace_and_span_id(
    environment: str, capsys: pytest.CaptureFixture[str], otel: TelemetryCapture
) -> None:
    """Both renderers print the current span's ids; events outside a span print none."""
    configure_service_logging("svc", environment=environment)
    logger = create_service_logger("svc.work")
    with trace.get_tracer("test").start_as_current_span("work") as span:
        logger.info("inside")
    logger.info("outside")

    context = span.get_span_context()
    inside, outside = capsys.readouterr().out.strip().splitlines()
    assert f"trace_id={context.trace_id:032x}" in inside or (
        f'"trace_id": "{context.trace_id:032x}"' in inside
    )
    assert f"{context.span_id:016x}" in inside
    assert "trace_id" not in outside


def test_stdlib_records_from_libraries_look_like_structlog_events(
    capsys: pytest.CaptureFixture[str], otel: TelemetryCapture
) -> None:
    """A library's ``logging`` call gets the same fields, trace ids and redaction."""
    configure_service_logging("svc", environment="production")
    token = bind_correlation_id(CORRELATION_ID)
    try:
        with trace.get_tracer("test").start_as_current_span("work") as span:
            logging.getLogger("aiokafka.conn").warning(
                "Connecting to %s", "postgresql://app:hunter2@db/x"
            )
    finally:
        reset_correlation_id(token)

    (line,) = _json_lines(capsys.readouterr().out)
    assert {
        "level": "WARNING",
        "logger_name": "aiokafka.conn",
        "message": "Connecting to postgresql://app:[REDACTED]@db/x",
        "service": "svc",
        "environment": "production",
        "correlation_id": CORRELATION_ID,
        "trace_id": f"{span.get_span_context().trace_id:032x}",
        "filename": "test_configure.py",
    }.items() <= line.items()


def test_secrets_never_reach_the_rendered_output(capsys: pytest.CaptureFixture[str]) -> None:
    """Secret fields, nested ones, and passwords in URLs are masked before rendering."""
    configure_service_logging("svc", environment="production")

    create_service_logger("svc").info(
        "Calling https://user:pa55@api.example/x",
        api_key="k-123",
        headers={"Authorization": "Bearer t-456"},
        Token="t-789",
    )

    out = capsys.readouterr().out
    for secret in ("pa55", "k-123", "t-456", "t-789"):
        assert secret not in out
    (line,) = _json_lines(out)
    assert line["headers"] == {"Authorization": "[REDACTED]"}


def test_log_level_filters_structlog_and_stdlib_alike(capsys: pytest.CaptureFixture[str]) -> None:
    """``log_level`` applies to both: debug events are dropped at INFO, kept at DEBUG."""
    configure_service_logging("svc", environment="production", log_level="INFO")
    create_service_logger("svc").debug("quiet")
    logging.getLogger("lib").debug("quiet too")
    assert capsys.readouterr().out == ""

    configure_service_logging("svc", environment="production", log_level="DEBUG")
    create_service_logger("svc2").debug("loud")
    assert [line["message"] for line in _json_lines(capsys.readouterr().out)] == ["loud"]


def test_configuring_twice_keeps_one_output_handler(capsys: pytest.CaptureFixture[str]) -> None:
    """A second call replaces our handler instead of printing every line twice."""
    configure_service_logging("svc", environment="production")
    configure_service_logging("svc", environment="production")

    create_service_logger("svc").info("once")

    assert len(_json_lines(capsys.readouterr().out)) == 1
