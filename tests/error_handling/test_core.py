"""The error model: codes, the frozen detail, the error, the context it captures."""

from __future__ import annotations

import uuid
from datetime import UTC
from enum import Enum
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.trace import format_span_id, format_trace_id
from pydantic import BaseModel, ValidationError

from huleedu_otel.testing import TelemetryCapture
from huleedu_service_libs.correlation import bind_correlation_id, reset_correlation_id
from huleedu_service_libs.error_handling import (
    ErrorCode,
    ErrorDetail,
    HuleEduError,
    create_error_detail_with_context,
    format_error_for_logging,
    raise_error,
    raise_resource_not_found,
    raise_validation_error,
)
from huleedu_service_libs.errors import HuleEduError as LibraryError

GENERIC_CODES = [
    "UNKNOWN_ERROR",
    "VALIDATION_ERROR",
    "RESOURCE_NOT_FOUND",
    "CONFIGURATION_ERROR",
    "EXTERNAL_SERVICE_ERROR",
    "KAFKA_PUBLISH_ERROR",
    "CONTENT_SERVICE_ERROR",
    "SPELLCHECK_SERVICE_ERROR",
    "NLP_SERVICE_ERROR",
    "AI_FEEDBACK_SERVICE_ERROR",
    "CJ_ASSESSMENT_SERVICE_ERROR",
    "LLM_PROVIDER_SERVICE_ERROR",
    "MISSING_REQUIRED_FIELD",
    "INVALID_CONFIGURATION",
    "TIMEOUT",
    "CONNECTION_ERROR",
    "SERVICE_UNAVAILABLE",
    "RATE_LIMIT",
    "QUOTA_EXCEEDED",
    "AUTHENTICATION_ERROR",
    "AUTHORIZATION_ERROR",
    "INVALID_API_KEY",
    "INVALID_REQUEST",
    "INVALID_RESPONSE",
    "PARSING_ERROR",
    "CIRCUIT_BREAKER_OPEN",
    "REQUEST_QUEUED",
    "PROCESSING_ERROR",
    "INITIALIZATION_FAILED",
]


class ServiceCode(str, Enum):  # noqa: UP042 - services declare their codes so
    """A service's own code enum, as services keep them."""

    ESSAY_LOCKED = "ESSAY_LOCKED"
    TIMEOUT = "TIMEOUT"


class PlainCode(Enum):
    TIMEOUT = "TIMEOUT"


def test_the_generic_codes_are_exactly_the_platforms_with_values_equal_to_names() -> None:
    assert [code.value for code in ErrorCode] == GENERIC_CODES
    assert all(code.name == code.value for code in ErrorCode)


def test_a_services_code_compares_equal_to_the_generic_code_of_the_same_value() -> None:
    assert ServiceCode.TIMEOUT == ErrorCode.TIMEOUT
    assert PlainCode.TIMEOUT == ErrorCode.TIMEOUT
    assert ErrorCode.TIMEOUT == PlainCode.TIMEOUT
    assert ErrorCode.TIMEOUT != ServiceCode.ESSAY_LOCKED
    assert {ErrorCode.TIMEOUT: 1}["TIMEOUT"] == 1  # type: ignore[index]  # a str finds the code


def _detail(**overrides: Any) -> ErrorDetail:
    fields: dict[str, Any] = {
        "error_code": ErrorCode.VALIDATION_ERROR,
        "message": "bad",
        "correlation_id": uuid.uuid4(),
        "service": "essay_service",
        "operation": "create_essay",
    }
    return ErrorDetail(**(fields | overrides))


def test_error_detail_is_frozen_with_a_utc_timestamp_and_empty_defaults() -> None:
    detail = _detail()
    with pytest.raises(ValidationError):
        detail.message = "changed"
    assert detail.timestamp.tzinfo == UTC
    assert (detail.details, detail.stack_trace, detail.trace_id, detail.span_id) == (
        {},
        None,
        None,
        None,
    )


def test_error_detail_accepts_a_services_own_code_and_serialises_its_value() -> None:
    detail = _detail(error_code=ServiceCode.ESSAY_LOCKED)
    assert detail.model_dump(mode="json")["error_code"] == "ESSAY_LOCKED"
    assert detail.error_code is ServiceCode.ESSAY_LOCKED


def test_error_detail_refuses_a_code_that_is_not_a_str_enum() -> None:
    class Numbered(Enum):
        ONE = 1

    with pytest.raises(ValidationError):
        _detail(error_code=Numbered.ONE)


def test_huleedu_error_exposes_its_detail_and_belongs_to_the_library_error_tree() -> None:
    detail = _detail(details={"field": "title"})
    error = HuleEduError(detail)
    assert isinstance(error, LibraryError)
    assert (error.error_detail, error.error_code, error.service, error.operation) == (
        detail,
        ErrorCode.VALIDATION_ERROR,
        "essay_service",
        "create_essay",
    )
    assert error.correlation_id == detail.correlation_id
    assert str(error) == "bad"
    error.add_detail("attempt", 2)
    assert error.to_dict()["details"] == {"field": "title", "attempt": 2}


class PlatformErrorDetail(BaseModel):
    """A stand-in for the platform's own ``common_core`` model: same fields, another class."""

    error_code: ServiceCode
    message: str
    correlation_id: uuid.UUID
    service: str
    operation: str
    details: dict[str, Any] = {}


def test_huleedu_error_accepts_any_object_of_the_detail_shape() -> None:
    correlation_id = uuid.uuid4()
    foreign = PlatformErrorDetail(
        error_code=ServiceCode.ESSAY_LOCKED,
        message="locked",
        correlation_id=correlation_id,
        service="essay_service",
        operation="update",
    )
    error = HuleEduError(foreign)
    assert error.error_detail is foreign
    as_dict = error.to_dict()
    assert ("ESSAY_LOCKED", str(correlation_id), None) == (
        as_dict["error_code"],
        as_dict["correlation_id"],
        as_dict["trace_id"],
    )


def test_context_capture_takes_the_bound_correlation_id_and_the_current_span(
    otel: TelemetryCapture,
) -> None:
    bound = str(uuid.uuid4())
    token = bind_correlation_id(bound)
    try:
        with trace.get_tracer("test").start_as_current_span("work") as span:
            detail = create_error_detail_with_context(
                ErrorCode.PROCESSING_ERROR, "failed", "svc", "op", details={"k": "v"}
            )
    finally:
        reset_correlation_id(token)
    context = span.get_span_context()
    assert uuid.UUID(bound) == detail.correlation_id
    assert format_trace_id(context.trace_id) == detail.trace_id
    assert format_span_id(context.span_id) == detail.span_id
    assert detail.details == {"k": "v"}
    assert detail.stack_trace is not None
    assert "test_context_capture_takes_the_bound_correlation_id" in detail.stack_trace
    assert "_context.py" not in detail.stack_trace


def test_a_bound_id_that_is_not_a_uuid_maps_to_a_stable_uuid5() -> None:
    token = bind_correlation_id("req-42")
    try:
        first = create_error_detail_with_context(ErrorCode.TIMEOUT, "m", "s", "o")
        second = create_error_detail_with_context(ErrorCode.TIMEOUT, "m", "s", "o")
    finally:
        reset_correlation_id(token)
    assert uuid.uuid5(uuid.NAMESPACE_OID, "req-42") == first.correlation_id
    assert first.correlation_id == second.correlation_id


def test_without_a_bound_id_or_a_span_a_new_id_and_no_trace_ids() -> None:
    first = create_error_detail_with_context(ErrorCode.TIMEOUT, "m", "s", "o", capture_stack=False)
    second = create_error_detail_with_context(ErrorCode.TIMEOUT, "m", "s", "o")
    assert first.correlation_id != second.correlation_id
    assert (first.trace_id, first.span_id, first.stack_trace) == (None, None, None)


def test_an_explicit_correlation_id_wins_over_the_bound_one() -> None:
    given = uuid.uuid4()
    token = bind_correlation_id(str(uuid.uuid4()))
    try:
        with pytest.raises(HuleEduError) as caught:
            raise_validation_error(
                service="s", operation="o", field="title", message="m", correlation_id=given
            )
    finally:
        reset_correlation_id(token)
    assert given == caught.value.correlation_id
    assert caught.value.error_detail.details == {"field": "title"}


def test_raise_error_accepts_a_services_own_code() -> None:
    with pytest.raises(HuleEduError) as caught:
        raise_error(ServiceCode.ESSAY_LOCKED, "locked", service="s", operation="o")
    assert ServiceCode.ESSAY_LOCKED is caught.value.error_code


def test_format_error_for_logging_gives_flat_fields_with_secret_details_masked() -> None:
    with pytest.raises(HuleEduError) as caught:
        raise_resource_not_found(
            service="s", operation="get", resource_type="essay", resource_id="e1", api_key="k-1"
        )
    fields = format_error_for_logging(caught.value.error_detail)
    assert {
        "error_code": "RESOURCE_NOT_FOUND",
        "error_message": "essay with ID 'e1' not found",
        "service": "s",
        "operation": "get",
    }.items() <= fields.items()
    assert fields["error_details"]["api_key"] == "[REDACTED]"
    assert fields["error_details"]["resource_id"] == "e1"
