"""Service log events reach OTel once each, with trace context, severity, attributes, no secrets.

The ``otel`` capture puts OTel's ``LoggingHandler`` on the root logger, as the configurator does;
``structlog_export`` switches the ``huleedu_structlog`` instrumentor on, as the distro does.
"""

from __future__ import annotations

import logging

import pytest
from opentelemetry import trace
from opentelemetry._logs import SeverityNumber

from huleedu_otel.testing import TelemetryCapture
from huleedu_service_libs.correlation import bind_correlation_id, reset_correlation_id
from huleedu_service_libs.logging_utils import configure_service_logging, create_service_logger

pytestmark = pytest.mark.usefixtures("structlog_export")


def _bodies(otel: TelemetryCapture) -> list[object]:
    return [r.log_record.body for r in otel.logs()]


@pytest.mark.parametrize("environment", ["production", "development"])
def test_each_structlog_event_is_exported_exactly_once_with_its_trace_context(
    environment: str, otel: TelemetryCapture
) -> None:
    """One event, one OTel record: its span's ids, its severity, its message as the body."""
    configure_service_logging("svc", environment=environment)
    logger = create_service_logger("svc.work")

    with trace.get_tracer("test").start_as_current_span("work") as span:
        logger.warning("disk almost full", free_mb=12)

    (exported,) = [r.log_record for r in otel.logs()]
    context = span.get_span_context()
    assert (context.trace_id, context.span_id) == (exported.trace_id, exported.span_id)
    assert (
        exported.body,
        exported.severity_number,
        exported.severity_text,
    ) == ("disk almost full", SeverityNumber.WARN, "WARN")
    assert {
        "free_mb": 12,
        "service": "svc",
        "environment": environment,
        "code.function.name": (
            "test_each_structlog_event_is_exported_exactly_once_with_its_trace_context"
        ),
    }.items() <= dict(exported.attributes or {}).items()


def test_stdlib_records_are_exported_once_next_to_structlog_events(otel: TelemetryCapture) -> None:
    """A library's ``logging`` record and a structlog event: two records, no duplicates."""
    configure_service_logging("svc", environment="production")

    create_service_logger("svc").info("from structlog")
    logging.getLogger("some.library").info("from %s", "stdlib")

    assert _bodies(otel) == ["from structlog", "from stdlib"]


def test_correlation_id_is_an_attribute_of_every_exported_record(otel: TelemetryCapture) -> None:
    """The bound correlation id travels with structlog events and library records alike."""
    configure_service_logging("svc", environment="production")
    token = bind_correlation_id("corr-1")
    try:
        create_service_logger("svc").info("handled")
        logging.getLogger("some.library").info("library work")
    finally:
        reset_correlation_id(token)

    assert [(r.log_record.attributes or {})["correlation_id"] for r in otel.logs()] == [
        "corr-1",
        "corr-1",
    ]


def test_secrets_are_redacted_in_exported_records(otel: TelemetryCapture) -> None:
    """Neither structlog fields nor a library's message export a credential."""
    configure_service_logging("svc", environment="production")

    create_service_logger("svc").info(
        "fetch https://u:pa55@api.example/x", password="p-1", nested={"api_key": "k-2"}
    )
    logging.getLogger("lib").info("dsn=%s token=%s", "redis://:r-3@cache", "t-4")

    exported = repr([(r.log_record.body, r.log_record.attributes) for r in otel.logs()])
    for secret in ("pa55", "p-1", "k-2", "r-3", "t-4"):
        assert secret not in exported
    assert len(otel.logs()) == 2


def test_non_primitive_fields_are_exported_as_text(otel: TelemetryCapture) -> None:
    """Values OTel cannot carry (objects, UUIDs) become their ``str``, never a dropped field."""
    configure_service_logging("svc", environment="production")

    create_service_logger("svc").info("with objects", when=ValueError("x"), ids=[1, "a"])

    attributes = dict(otel.logs()[0].log_record.attributes or {})
    assert (attributes["when"], tuple(attributes["ids"])) == ("x", (1, "a"))


def test_exceptions_are_exported_with_their_stacktrace(otel: TelemetryCapture) -> None:
    """``logger.exception`` exports the error severity and the formatted traceback."""
    configure_service_logging("svc", environment="production")
    try:
        raise RuntimeError("broken")
    except RuntimeError:
        create_service_logger("svc").exception("it failed")

    (exported,) = [r.log_record for r in otel.logs()]
    assert exported.severity_number == SeverityNumber.ERROR
    assert "RuntimeError: broken" in str((exported.attributes or {})["exception.stacktrace"])
