"""The chain's processors, called directly as structlog calls them."""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

from huleedu_service_libs._log_processors import (
    ServiceContext,
    console_location,
    lead_with_seed_keys,
    rename_logger_key,
    uppercase_level,
)
from huleedu_service_libs.logging_utils import add_trace_context, redact_secrets

TRACE_ID = 0x0AF7651916CD43DD8448EB211C80319C
SPAN_ID = 0xB7AD6B7169203331


def test_add_trace_context_adds_hex_ids_of_the_current_span() -> None:
    """Inside a valid span the event gets the 32-hex trace id and the 16-hex span id."""
    span = NonRecordingSpan(
        SpanContext(TRACE_ID, SPAN_ID, is_remote=False, trace_flags=TraceFlags(1))
    )
    with trace.use_span(span):
        event = add_trace_context(None, "info", {"event": "x"})

    assert event == {
        "event": "x",
        "trace_id": "0af7651916cd43dd8448eb211c80319c",
        "span_id": "b7ad6b7169203331",
    }


def test_add_trace_context_leaves_events_outside_a_span_alone() -> None:
    """Without a valid span context no ids are invented."""
    assert add_trace_context(None, "info", {"event": "x"}) == {"event": "x"}


def test_redact_secrets_masks_fields_and_urls_without_touching_the_input() -> None:
    """Secret-named fields, nested ones and URL passwords are masked in a copy."""
    event = {"event": "connect redis://:hunter2@cache:6379", "db": {"password": "p"}, "n": 1}

    redacted = redact_secrets(None, "info", event)

    assert redacted == {
        "event": "connect redis://:[REDACTED]@cache:6379",
        "db": {"password": "[REDACTED]"},
        "n": 1,
    }
    assert event["db"] == {"password": "p"}


def test_service_context_stamps_service_and_environment_unless_bound() -> None:
    """The configured service and environment are defaults, not overrides."""
    stamp = ServiceContext("content-service", "production")

    assert stamp(None, "info", {"event": "x"}) == {
        "event": "x",
        "service": "content-service",
        "environment": "production",
    }
    assert stamp(None, "info", {"service": "other"})["service"] == "other"


def test_uppercase_level_and_rename_logger_key_give_the_seeds_field_names() -> None:
    """``level`` is upper case and the logger's name sits under ``logger_name``."""
    event = rename_logger_key(
        None, "info", uppercase_level(None, "info", {"level": "info", "logger": "a"})
    )

    assert event == {"level": "INFO", "logger_name": "a"}


def test_console_location_prefixes_the_message_with_logger_file_function_line() -> None:
    """The seed's console shape: ``content.api:routes.py:create_content:45 Creating content``."""
    event = {
        "event": "Creating content",
        "logger_name": "content.api",
        "filename": "routes.py",
        "func_name": "create_content",
        "lineno": 45,
        "user_id": "u456",
    }

    assert console_location(None, "info", event) == {
        "event": "content.api:routes.py:create_content:45 Creating content",
        "user_id": "u456",
    }


def test_lead_with_seed_keys_orders_a_json_line_like_the_seed() -> None:
    """Timestamp, level, logger, location and message come first, other fields after."""
    event = {"user_id": "u", "message": "m", "level": "INFO", "timestamp": "t", "lineno": 1}

    assert list(lead_with_seed_keys(None, "info", event)) == [
        "timestamp",
        "level",
        "lineno",
        "message",
        "user_id",
    ]
