"""One ``raise_*`` factory per generic code, each a row over the shared builder.

Every factory takes ``service`` and ``operation`` first, then its fields (which become the
error's ``details``), an optional ``correlation_id`` (the bound one when omitted) and more
``**details``; all raise :class:`HuleEduError` and never return.
"""

from __future__ import annotations

from huleedu_service_libs.error_handling import _builder
from huleedu_service_libs.error_handling._codes import ErrorCode as _C

_factory = _builder.error_factory

__all__ = [
    "raise_ai_feedback_service_error",
    "raise_authentication_error",
    "raise_authorization_error",
    "raise_circuit_breaker_open",
    "raise_cj_assessment_service_error",
    "raise_configuration_error",
    "raise_connection_error",
    "raise_content_service_error",
    "raise_external_service_error",
    "raise_initialization_failed",
    "raise_invalid_api_key",
    "raise_invalid_configuration",
    "raise_invalid_request",
    "raise_invalid_response",
    "raise_kafka_publish_error",
    "raise_llm_provider_service_error",
    "raise_missing_required_field",
    "raise_nlp_service_error",
    "raise_outbox_storage_error",
    "raise_parsing_error",
    "raise_processing_error",
    "raise_quota_exceeded",
    "raise_rate_limit_error",
    "raise_request_queued",
    "raise_resource_not_found",
    "raise_service_unavailable",
    "raise_spellcheck_service_error",
    "raise_timeout_error",
    "raise_unknown_error",
    "raise_validation_error",
]

# fmt: off
raise_unknown_error = _factory(_C.UNKNOWN_ERROR, "message")
raise_validation_error = _factory(_C.VALIDATION_ERROR, "field", "message")
raise_missing_required_field = _factory(
    _C.MISSING_REQUIRED_FIELD, "field_name", "message",
    template="Required field '{field_name}' is missing")
raise_invalid_request = _factory(_C.INVALID_REQUEST, "message")
raise_parsing_error = _factory(_C.PARSING_ERROR, "parse_target", "message")
raise_resource_not_found = _factory(
    _C.RESOURCE_NOT_FOUND, "resource_type", "resource_id",
    template="{resource_type} with ID '{resource_id}' not found")
raise_authentication_error = _factory(_C.AUTHENTICATION_ERROR, "message")
raise_invalid_api_key = _factory(_C.INVALID_API_KEY, "message", template="Invalid API key")
raise_authorization_error = _factory(_C.AUTHORIZATION_ERROR, "message")
raise_rate_limit_error = _factory(
    _C.RATE_LIMIT, "limit", "window_seconds", "message",
    template="Rate limit of {limit} requests per {window_seconds} seconds exceeded")
raise_quota_exceeded = _factory(
    _C.QUOTA_EXCEEDED, "quota_type", "limit", "message",
    template="Quota '{quota_type}' of {limit} exceeded")
raise_external_service_error = _factory(
    _C.EXTERNAL_SERVICE_ERROR, "external_service", "message")
raise_content_service_error = _factory(_C.CONTENT_SERVICE_ERROR, "message")
raise_spellcheck_service_error = _factory(_C.SPELLCHECK_SERVICE_ERROR, "message")
raise_nlp_service_error = _factory(_C.NLP_SERVICE_ERROR, "message")
raise_ai_feedback_service_error = _factory(_C.AI_FEEDBACK_SERVICE_ERROR, "message")
raise_cj_assessment_service_error = _factory(_C.CJ_ASSESSMENT_SERVICE_ERROR, "message")
raise_llm_provider_service_error = _factory(_C.LLM_PROVIDER_SERVICE_ERROR, "message")
raise_invalid_response = _factory(_C.INVALID_RESPONSE, "message")
raise_service_unavailable = _factory(
    _C.SERVICE_UNAVAILABLE, "unavailable_service", "message",
    template="Service '{unavailable_service}' is unavailable")
raise_connection_error = _factory(_C.CONNECTION_ERROR, "target", "message")
raise_circuit_breaker_open = _factory(
    _C.CIRCUIT_BREAKER_OPEN, "circuit_name", "message",
    template="Circuit breaker '{circuit_name}' is open")
raise_kafka_publish_error = _factory(_C.KAFKA_PUBLISH_ERROR, "topic", "message")
raise_timeout_error = _factory(
    _C.TIMEOUT, "timeout_seconds", "message",
    template="Operation timed out after {timeout_seconds} seconds")
raise_request_queued = _factory(_C.REQUEST_QUEUED, "message")
raise_configuration_error = _factory(_C.CONFIGURATION_ERROR, "config_key", "message")
raise_invalid_configuration = _factory(_C.INVALID_CONFIGURATION, "config_key", "message")
raise_initialization_failed = _factory(_C.INITIALIZATION_FAILED, "component", "message")
raise_processing_error = _factory(_C.PROCESSING_ERROR, "message")
#: Writing an event to the transactional outbox failed (the business write is rolled back).
raise_outbox_storage_error = _factory(
    _C.PROCESSING_ERROR, "message", "correlation_id", "aggregate_id", "aggregate_type",
    "event_type")
# fmt: on

_builder.name_factories(globals())
