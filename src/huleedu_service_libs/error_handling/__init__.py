"""Structured errors that carry their trace: codes, the detail model, the error, factories.

A service raises with a factory (``raise_resource_not_found(service=..., operation=...,
resource_type="essay", resource_id=essay_id)``); the detail it builds carries the correlation
id bound for the request or message and the current span's ``trace_id``/``span_id``. The
framework adapters (``error_handling.quart``, ``error_handling.fastapi``) answer it as JSON with
the status of its code; ``error_handling.testing`` has the test helpers. Importing this package
imports no web framework.
"""

from __future__ import annotations

from huleedu_service_libs.error_handling._builder import (
    ErrorFactory,
    error_factory,
    raise_error,
)
from huleedu_service_libs.error_handling._codes import (
    CodeEnum,
    ErrorCode,
    ErrorCodeLike,
)
from huleedu_service_libs.error_handling._context import (
    create_error_detail_with_context,
)
from huleedu_service_libs.error_handling._error import (
    ErrorDetailLike,
    HuleEduError,
)
from huleedu_service_libs.error_handling._logging import (
    format_error_for_logging,
)
from huleedu_service_libs.error_handling._model import (
    ErrorDetail,
)
from huleedu_service_libs.error_handling._status import (
    ERROR_STATUS,
    status_for,
)
from huleedu_service_libs.error_handling.class_management_factories import (
    ClassManagementErrorCode,
    raise_class_not_found,
    raise_course_not_found,
    raise_course_validation_error,
    raise_multiple_course_error,
    raise_student_not_found,
)
from huleedu_service_libs.error_handling.factories import (
    raise_ai_feedback_service_error,
    raise_authentication_error,
    raise_authorization_error,
    raise_circuit_breaker_open,
    raise_cj_assessment_service_error,
    raise_configuration_error,
    raise_connection_error,
    raise_content_service_error,
    raise_external_service_error,
    raise_initialization_failed,
    raise_invalid_api_key,
    raise_invalid_configuration,
    raise_invalid_request,
    raise_invalid_response,
    raise_kafka_publish_error,
    raise_llm_provider_service_error,
    raise_missing_required_field,
    raise_nlp_service_error,
    raise_outbox_storage_error,
    raise_parsing_error,
    raise_processing_error,
    raise_quota_exceeded,
    raise_rate_limit_error,
    raise_request_queued,
    raise_resource_not_found,
    raise_service_unavailable,
    raise_spellcheck_service_error,
    raise_timeout_error,
    raise_unknown_error,
    raise_validation_error,
)
from huleedu_service_libs.error_handling.file_validation_factories import (
    FileValidationErrorCode,
    raise_content_too_long,
    raise_content_too_short,
    raise_empty_content_error,
    raise_encrypted_file_error,
    raise_raw_storage_failed,
    raise_text_extraction_failed,
    raise_unknown_validation_error,
)
from huleedu_service_libs.error_handling.spellchecker_factories import (
    SpellcheckerErrorCode,
    raise_spell_event_correlation_error,
)

__all__ = [
    "ClassManagementErrorCode",
    "CodeEnum",
    "ERROR_STATUS",
    "ErrorCode",
    "ErrorCodeLike",
    "ErrorDetail",
    "ErrorDetailLike",
    "ErrorFactory",
    "FileValidationErrorCode",
    "HuleEduError",
    "SpellcheckerErrorCode",
    "create_error_detail_with_context",
    "error_factory",
    "format_error_for_logging",
    "raise_ai_feedback_service_error",
    "raise_authentication_error",
    "raise_authorization_error",
    "raise_circuit_breaker_open",
    "raise_cj_assessment_service_error",
    "raise_class_not_found",
    "raise_configuration_error",
    "raise_connection_error",
    "raise_content_service_error",
    "raise_content_too_long",
    "raise_content_too_short",
    "raise_course_not_found",
    "raise_course_validation_error",
    "raise_empty_content_error",
    "raise_encrypted_file_error",
    "raise_error",
    "raise_external_service_error",
    "raise_initialization_failed",
    "raise_invalid_api_key",
    "raise_invalid_configuration",
    "raise_invalid_request",
    "raise_invalid_response",
    "raise_kafka_publish_error",
    "raise_llm_provider_service_error",
    "raise_missing_required_field",
    "raise_multiple_course_error",
    "raise_nlp_service_error",
    "raise_outbox_storage_error",
    "raise_parsing_error",
    "raise_processing_error",
    "raise_quota_exceeded",
    "raise_rate_limit_error",
    "raise_raw_storage_failed",
    "raise_request_queued",
    "raise_resource_not_found",
    "raise_service_unavailable",
    "raise_spell_event_correlation_error",
    "raise_spellcheck_service_error",
    "raise_student_not_found",
    "raise_text_extraction_failed",
    "raise_timeout_error",
    "raise_unknown_error",
    "raise_unknown_validation_error",
    "raise_validation_error",
    "status_for",
]
