"""The platform's generic error codes, and what counts as a code.

A service keeps its own code enums (``class MyErrorCode(str, Enum)``): any member of an Enum
whose value is a ``str`` is accepted wherever a code is. Codes compare by value, so a
service's ``VALIDATION_ERROR`` equals ``ErrorCode.VALIDATION_ERROR``.
"""

from __future__ import annotations

from enum import Enum, StrEnum
from typing import TypeAlias

__all__ = ["CodeEnum", "ErrorCode", "ErrorCodeLike", "as_code", "code_value"]

#: A code: a member of any ``str``-valued Enum (or, leniently, its plain string value).
ErrorCodeLike: TypeAlias = Enum | str


class CodeEnum(StrEnum):
    """Base of the library's code enums: equal to any Enum member with the same ``str`` value.

    ``str`` already makes ``ErrorCode.X == "X"`` and equality with another ``str`` Enum; this
    adds plain ``Enum`` codes whose values are strings.
    """

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Enum) and not isinstance(other, str):
            return bool(self.value == other.value)
        return str.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = str.__hash__


class ErrorCode(CodeEnum):
    """Generic codes shared by every HuleEdu service; values equal their names."""

    UNKNOWN_ERROR = "UNKNOWN_ERROR"
    VALIDATION_ERROR = "VALIDATION_ERROR"
    RESOURCE_NOT_FOUND = "RESOURCE_NOT_FOUND"
    CONFIGURATION_ERROR = "CONFIGURATION_ERROR"
    EXTERNAL_SERVICE_ERROR = "EXTERNAL_SERVICE_ERROR"
    KAFKA_PUBLISH_ERROR = "KAFKA_PUBLISH_ERROR"
    CONTENT_SERVICE_ERROR = "CONTENT_SERVICE_ERROR"
    SPELLCHECK_SERVICE_ERROR = "SPELLCHECK_SERVICE_ERROR"
    NLP_SERVICE_ERROR = "NLP_SERVICE_ERROR"
    AI_FEEDBACK_SERVICE_ERROR = "AI_FEEDBACK_SERVICE_ERROR"
    CJ_ASSESSMENT_SERVICE_ERROR = "CJ_ASSESSMENT_SERVICE_ERROR"
    LLM_PROVIDER_SERVICE_ERROR = "LLM_PROVIDER_SERVICE_ERROR"
    MISSING_REQUIRED_FIELD = "MISSING_REQUIRED_FIELD"
    INVALID_CONFIGURATION = "INVALID_CONFIGURATION"
    TIMEOUT = "TIMEOUT"
    CONNECTION_ERROR = "CONNECTION_ERROR"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
    RATE_LIMIT = "RATE_LIMIT"
    QUOTA_EXCEEDED = "QUOTA_EXCEEDED"
    AUTHENTICATION_ERROR = "AUTHENTICATION_ERROR"
    AUTHORIZATION_ERROR = "AUTHORIZATION_ERROR"
    INVALID_API_KEY = "INVALID_API_KEY"
    INVALID_REQUEST = "INVALID_REQUEST"
    INVALID_RESPONSE = "INVALID_RESPONSE"
    PARSING_ERROR = "PARSING_ERROR"
    CIRCUIT_BREAKER_OPEN = "CIRCUIT_BREAKER_OPEN"
    REQUEST_QUEUED = "REQUEST_QUEUED"
    PROCESSING_ERROR = "PROCESSING_ERROR"
    INITIALIZATION_FAILED = "INITIALIZATION_FAILED"


def code_value(code: ErrorCodeLike) -> str:
    """The string value: ``ErrorCode.TIMEOUT`` and ``MyCode.TIMEOUT`` both give ``"TIMEOUT"``."""
    value = code.value if isinstance(code, Enum) else code
    if not isinstance(value, str):
        raise ValueError(f"an error code must be a str-valued Enum member, not {code!r}")
    return value


def as_code(code: ErrorCodeLike) -> Enum:
    """``code`` as an Enum member; a bare string must be a generic code's value."""
    if isinstance(code, Enum):
        code_value(code)
        return code
    return ErrorCode(code)
