"""What telemetry keeps of an exception: database errors' text is withheld, others are masked."""

from __future__ import annotations

import pytest
import sqlalchemy
from sqlalchemy import text

from huleedu_otel.testing import TelemetryCapture
from huleedu_service_libs._log_processors import render_exception
from huleedu_service_libs._shared.exception_text import (
    WITHHELD,
    exception_attributes,
    safe_message,
    safe_stacktrace,
)
from huleedu_service_libs.resilience import CircuitBreaker

PLANTED = "planted-" + "literal"  # built, so no source line in a traceback shows it


def _database_error() -> BaseException:
    engine = sqlalchemy.create_engine("sqlite://")
    try:
        with engine.connect() as conn:
            conn.execute(text(f"SELECT '{PLANTED}' FROM no_such_table"))
    except sqlalchemy.exc.DBAPIError as error:
        return error
    finally:
        engine.dispose()
    raise AssertionError("the statement should have failed")


def _wrapped_database_error() -> BaseException:
    try:
        raise RuntimeError("saving the essay failed") from _database_error()
    except RuntimeError as error:
        return error


def test_a_database_error_keeps_its_type_and_frames_but_not_its_text() -> None:
    """SQLAlchemy's message quotes the statement; what is kept names the error class only."""
    error = _database_error()
    assert PLANTED in str(error)  # what the withholding is for
    attributes = exception_attributes(error)
    assert attributes["exception.message"] == WITHHELD
    assert PLANTED not in attributes["exception.stacktrace"]
    assert "sqlalchemy.exc.OperationalError: " + WITHHELD in attributes["exception.stacktrace"]
    assert "sqlite3.OperationalError: " + WITHHELD in attributes["exception.stacktrace"]


def test_an_own_error_caused_by_a_database_error_keeps_its_message() -> None:
    """The service's own message stays; the database cause in the chain is withheld."""
    error = _wrapped_database_error()
    assert safe_message(error) == "saving the essay failed"
    stacktrace = safe_stacktrace(error)
    assert "direct cause of the following exception" in stacktrace
    assert stacktrace.rstrip().endswith("RuntimeError: saving the essay failed")
    assert PLANTED not in stacktrace


def test_other_messages_keep_their_text_with_credentials_masked() -> None:
    error = ConnectionError("cannot reach postgresql://app:hunter2@db/x")
    assert safe_message(error) == "cannot reach postgresql://app:[REDACTED]@db/x"


def _rendered_while_handling(error: BaseException) -> dict[str, object]:
    try:
        raise error
    except BaseException:
        return render_exception(None, "error", {"event": "failed", "exc_info": True})


def test_render_exception_uses_the_safe_stacktrace() -> None:
    """The structlog step that replaces ``format_exc_info`` renders the withheld form."""
    rendered = _rendered_while_handling(_database_error())
    assert "exc_info" not in rendered
    assert WITHHELD in str(rendered["exception"])
    assert PLANTED not in str(rendered["exception"])


async def test_a_breaker_span_records_a_database_error_without_its_text(
    otel: TelemetryCapture,
) -> None:
    """A database error passing a traced breaker marks its span failed, with the type only."""
    breaker = CircuitBreaker(name="db", tracer=otel.tracer_provider.get_tracer("test"))
    error = _database_error()

    async def query() -> None:
        raise error

    with pytest.raises(sqlalchemy.exc.DBAPIError):
        await breaker.call(query)
    span = otel.span("circuit_breaker db")
    assert span.status.description == "OperationalError"
    assert PLANTED not in repr([dict(event.attributes or {}) for event in span.events])
