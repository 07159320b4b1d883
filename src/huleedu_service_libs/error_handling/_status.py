"""The HTTP status each code answers with: one table, extended by domains and by services."""

from __future__ import annotations

from collections.abc import Mapping

from huleedu_service_libs.error_handling._codes import ErrorCode as C
from huleedu_service_libs.error_handling._codes import ErrorCodeLike, code_value
from huleedu_service_libs.error_handling.class_management_factories import (
    HTTP_STATUS as CLASS_MANAGEMENT,
)
from huleedu_service_libs.error_handling.file_validation_factories import (
    HTTP_STATUS as FILE_VALIDATION,
)
from huleedu_service_libs.error_handling.spellchecker_factories import HTTP_STATUS as SPELLCHECKER

__all__ = ["ERROR_STATUS", "status_for"]

_GENERIC: dict[C, int] = {
    **dict.fromkeys(
        (C.VALIDATION_ERROR, C.MISSING_REQUIRED_FIELD, C.INVALID_REQUEST, C.PARSING_ERROR), 400
    ),
    **dict.fromkeys((C.AUTHENTICATION_ERROR, C.INVALID_API_KEY), 401),
    C.AUTHORIZATION_ERROR: 403,
    C.RESOURCE_NOT_FOUND: 404,
    **dict.fromkeys((C.RATE_LIMIT, C.QUOTA_EXCEEDED), 429),
    **dict.fromkeys(
        (
            C.EXTERNAL_SERVICE_ERROR,
            C.CONTENT_SERVICE_ERROR,
            C.SPELLCHECK_SERVICE_ERROR,
            C.NLP_SERVICE_ERROR,
            C.AI_FEEDBACK_SERVICE_ERROR,
            C.CJ_ASSESSMENT_SERVICE_ERROR,
            C.LLM_PROVIDER_SERVICE_ERROR,
            C.INVALID_RESPONSE,
        ),
        502,
    ),
    **dict.fromkeys(
        (C.SERVICE_UNAVAILABLE, C.CONNECTION_ERROR, C.CIRCUIT_BREAKER_OPEN, C.KAFKA_PUBLISH_ERROR),
        503,
    ),
    C.TIMEOUT: 504,
    C.REQUEST_QUEUED: 202,
}
#: Code value -> HTTP status; any code not listed answers 500.
ERROR_STATUS: Mapping[str, int] = {
    code_value(code): status
    for table in (_GENERIC, CLASS_MANAGEMENT, FILE_VALIDATION, SPELLCHECKER)
    for code, status in table.items()
}


def status_for(code: ErrorCodeLike, extra: Mapping[str, int] | None = None) -> int:
    """The status of ``code``: a service's ``extra`` table first, then the library's."""
    value = code_value(code)
    if extra and value in extra:
        return extra[value]
    return ERROR_STATUS.get(value, 500)
