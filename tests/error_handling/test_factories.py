"""Every factory raises its code with its fields as details, and each code has its status."""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from huleedu_service_libs import error_handling
from huleedu_service_libs.error_handling import (
    ClassManagementErrorCode,
    ErrorCode,
    FileValidationErrorCode,
    HuleEduError,
    SpellcheckerErrorCode,
    error_factory,
    status_for,
)

C, CM, FV = ErrorCode, ClassManagementErrorCode, FileValidationErrorCode
# factory name -> (code, status, the fields it is called with)
CASES: dict[str, tuple[Any, int, dict[str, Any]]] = {
    "raise_unknown_error": (C.UNKNOWN_ERROR, 500, {"message": "m"}),
    "raise_validation_error": (C.VALIDATION_ERROR, 400, {"field": "f", "message": "m"}),
    "raise_missing_required_field": (C.MISSING_REQUIRED_FIELD, 400, {"field_name": "f"}),
    "raise_invalid_request": (C.INVALID_REQUEST, 400, {"message": "m"}),
    "raise_parsing_error": (C.PARSING_ERROR, 400, {"parse_target": "json", "message": "m"}),
    "raise_resource_not_found": (
        C.RESOURCE_NOT_FOUND,
        404,
        {"resource_type": "essay", "resource_id": "e1"},
    ),
    "raise_authentication_error": (C.AUTHENTICATION_ERROR, 401, {"message": "m"}),
    "raise_invalid_api_key": (C.INVALID_API_KEY, 401, {}),
    "raise_authorization_error": (C.AUTHORIZATION_ERROR, 403, {"message": "m"}),
    "raise_rate_limit_error": (C.RATE_LIMIT, 429, {"limit": 10, "window_seconds": 60}),
    "raise_quota_exceeded": (C.QUOTA_EXCEEDED, 429, {"quota_type": "tokens", "limit": 5}),
    "raise_external_service_error": (
        C.EXTERNAL_SERVICE_ERROR,
        502,
        {"external_service": "nlp", "message": "m"},
    ),
    "raise_content_service_error": (C.CONTENT_SERVICE_ERROR, 502, {"message": "m"}),
    "raise_spellcheck_service_error": (C.SPELLCHECK_SERVICE_ERROR, 502, {"message": "m"}),
    "raise_nlp_service_error": (C.NLP_SERVICE_ERROR, 502, {"message": "m"}),
    "raise_ai_feedback_service_error": (C.AI_FEEDBACK_SERVICE_ERROR, 502, {"message": "m"}),
    "raise_cj_assessment_service_error": (C.CJ_ASSESSMENT_SERVICE_ERROR, 502, {"message": "m"}),
    "raise_llm_provider_service_error": (C.LLM_PROVIDER_SERVICE_ERROR, 502, {"message": "m"}),
    "raise_invalid_response": (C.INVALID_RESPONSE, 502, {"message": "m"}),
    "raise_service_unavailable": (C.SERVICE_UNAVAILABLE, 503, {"unavailable_service": "nlp"}),
    "raise_connection_error": (C.CONNECTION_ERROR, 503, {"target": "redis", "message": "m"}),
    "raise_circuit_breaker_open": (C.CIRCUIT_BREAKER_OPEN, 503, {"circuit_name": "nlp"}),
    "raise_kafka_publish_error": (C.KAFKA_PUBLISH_ERROR, 503, {"topic": "t", "message": "m"}),
    "raise_timeout_error": (C.TIMEOUT, 504, {"timeout_seconds": 5}),
    "raise_request_queued": (C.REQUEST_QUEUED, 202, {"message": "m"}),
    "raise_configuration_error": (C.CONFIGURATION_ERROR, 500, {"config_key": "K", "message": "m"}),
    "raise_invalid_configuration": (
        C.INVALID_CONFIGURATION,
        500,
        {"config_key": "K", "message": "m"},
    ),
    "raise_initialization_failed": (
        C.INITIALIZATION_FAILED,
        500,
        {"component": "db", "message": "m"},
    ),
    "raise_processing_error": (C.PROCESSING_ERROR, 500, {"message": "m"}),
    "raise_outbox_storage_error": (C.PROCESSING_ERROR, 500, {"message": "m", "aggregate_id": "a"}),
    "raise_course_not_found": (CM.COURSE_NOT_FOUND, 404, {"course_id": "c1"}),
    "raise_course_validation_error": (CM.COURSE_VALIDATION_ERROR, 400, {"message": "m"}),
    "raise_multiple_course_error": (CM.MULTIPLE_COURSE_ERROR, 409, {"message": "m"}),
    "raise_class_not_found": (CM.CLASS_NOT_FOUND, 404, {"class_id": "k1"}),
    "raise_student_not_found": (CM.STUDENT_NOT_FOUND, 404, {"student_id": "s1"}),
    "raise_empty_content_error": (FV.EMPTY_CONTENT, 400, {"file_name": "a.txt"}),
    "raise_content_too_short": (
        FV.CONTENT_TOO_SHORT,
        400,
        {"file_name": "a.txt", "min_length": 50, "actual_length": 3},
    ),
    "raise_content_too_long": (
        FV.CONTENT_TOO_LONG,
        400,
        {"file_name": "a.txt", "max_length": 50, "actual_length": 99},
    ),
    "raise_raw_storage_failed": (
        FV.RAW_STORAGE_FAILED,
        500,
        {"file_name": "a.txt", "message": "m"},
    ),
    "raise_text_extraction_failed": (
        FV.TEXT_EXTRACTION_FAILED,
        500,
        {"file_name": "a.txt", "message": "m"},
    ),
    "raise_encrypted_file_error": (FV.ENCRYPTED_FILE_UNSUPPORTED, 400, {"file_name": "a.pdf"}),
    "raise_unknown_validation_error": (FV.UNKNOWN_VALIDATION_ERROR, 400, {"message": "m"}),
    "raise_spell_event_correlation_error": (
        SpellcheckerErrorCode.SPELL_EVENT_CORRELATION_ERROR,
        400,
        {"message": "m", "missing_field": "essay_id"},
    ),
}


def _raised(factory: Callable[..., Any], *args: Any, **kwargs: Any) -> HuleEduError:
    with pytest.raises(HuleEduError) as caught:
        factory(*args, **kwargs)
    return caught.value


def test_every_exported_factory_is_covered_here() -> None:
    exported = {name for name in error_handling.__all__ if name.startswith("raise_")}
    assert exported - {"raise_error"} == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_factory_raises_its_code_with_its_fields_as_details_and_its_status(name: str) -> None:
    code, status, fields = CASES[name]
    factory = getattr(error_handling, name)
    error = _raised(factory, service="svc", operation="op", **fields)
    assert code is error.error_code
    assert status == status_for(error.error_code)
    assert (error.service, error.operation) == ("svc", "op")
    assert {k: v for k, v in fields.items() if k != "message"} == error.error_detail.details
    assert error.error_detail.message
    assert name == factory.__name__


def test_domain_factories_take_their_arguments_positionally_as_the_services_call_them() -> None:
    correlation_id = uuid.uuid4()
    error = _raised(
        error_handling.raise_content_too_short, "file_svc", "validate", "a.txt", 50, 3,
        correlation_id,
    )  # fmt: skip
    assert correlation_id == error.correlation_id
    assert error.error_detail.details == {
        "file_name": "a.txt",
        "min_length": 50,
        "actual_length": 3,
    }
    spell = _raised(
        error_handling.raise_spell_event_correlation_error, "spell", "handle", "no essay",
        correlation_id, "essay_id",
    )  # fmt: skip
    assert spell.error_detail.details == {"missing_field": "essay_id"}
    assert spell.error_detail.message == "no essay"


def test_a_factory_signature_is_real_and_refuses_missing_fields() -> None:
    parameters = inspect.signature(error_handling.raise_resource_not_found).parameters
    assert (list(parameters)) == [
        "service",
        "operation",
        "resource_type",
        "resource_id",
        "correlation_id",
        "details",
    ]
    with pytest.raises(TypeError):
        error_handling.raise_resource_not_found(service="s", operation="o", resource_type="essay")


def test_extra_keyword_arguments_become_details() -> None:
    error = _raised(
        error_handling.raise_external_service_error,
        service="s",
        operation="o",
        external_service="nlp",
        message="m",
        status_code=502,
    )
    assert error.error_detail.details == {"external_service": "nlp", "status_code": 502}


def test_a_service_adds_its_own_domain_as_a_row_and_a_status_entry() -> None:
    from enum import Enum

    class EssayCode(str, Enum):  # noqa: UP042 - as services declare them
        ESSAY_LOCKED = "ESSAY_LOCKED"

    raise_essay_locked = error_factory(
        EssayCode.ESSAY_LOCKED, "essay_id", template="Essay {essay_id} is locked"
    )
    error = _raised(raise_essay_locked, "svc", "update", "e1")
    assert error.error_detail.message == "Essay e1 is locked"
    assert status_for(error.error_code, {"ESSAY_LOCKED": 409}) == 409
    assert status_for(error.error_code) == 500


def test_every_generic_code_has_a_factory() -> None:
    covered = {CASES[name][0] for name in CASES}
    assert [code for code in ErrorCode if code not in covered] == []
