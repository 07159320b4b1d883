"""File validation: its codes, their HTTP statuses, and one factory row per code."""

from __future__ import annotations

from huleedu_service_libs.error_handling import _builder
from huleedu_service_libs.error_handling._codes import CodeEnum as _CodeEnum

_factory = _builder.error_factory

__all__ = [
    "FileValidationErrorCode",
    "HTTP_STATUS",
    "raise_content_too_long",
    "raise_content_too_short",
    "raise_empty_content_error",
    "raise_encrypted_file_error",
    "raise_raw_storage_failed",
    "raise_text_extraction_failed",
    "raise_unknown_validation_error",
]


class FileValidationErrorCode(_CodeEnum):
    EMPTY_CONTENT = "EMPTY_CONTENT"
    CONTENT_TOO_SHORT = "CONTENT_TOO_SHORT"
    CONTENT_TOO_LONG = "CONTENT_TOO_LONG"
    ENCRYPTED_FILE_UNSUPPORTED = "ENCRYPTED_FILE_UNSUPPORTED"
    UNKNOWN_VALIDATION_ERROR = "UNKNOWN_VALIDATION_ERROR"
    RAW_STORAGE_FAILED = "RAW_STORAGE_FAILED"
    TEXT_EXTRACTION_FAILED = "TEXT_EXTRACTION_FAILED"


_C = FileValidationErrorCode
HTTP_STATUS = {
    **dict.fromkeys(
        (
            _C.EMPTY_CONTENT,
            _C.CONTENT_TOO_SHORT,
            _C.CONTENT_TOO_LONG,
            _C.ENCRYPTED_FILE_UNSUPPORTED,
            _C.UNKNOWN_VALIDATION_ERROR,
        ),
        400,
    ),
    **dict.fromkeys((_C.RAW_STORAGE_FAILED, _C.TEXT_EXTRACTION_FAILED), 500),
}

# fmt: off
raise_empty_content_error = _factory(
    _C.EMPTY_CONTENT, "file_name", template="File '{file_name}' has no content")
raise_content_too_short = _factory(
    _C.CONTENT_TOO_SHORT, "file_name", "min_length", "actual_length",
    template="File '{file_name}' is too short: {actual_length} characters, at least "
    "{min_length} required")
raise_content_too_long = _factory(
    _C.CONTENT_TOO_LONG, "file_name", "max_length", "actual_length",
    template="File '{file_name}' is too long: {actual_length} characters, at most "
    "{max_length} allowed")
raise_raw_storage_failed = _factory(_C.RAW_STORAGE_FAILED, "file_name", "message")
raise_text_extraction_failed = _factory(_C.TEXT_EXTRACTION_FAILED, "file_name", "message")
raise_encrypted_file_error = _factory(
    _C.ENCRYPTED_FILE_UNSUPPORTED, "file_name",
    template="File '{file_name}' is encrypted; encrypted files are not supported")
raise_unknown_validation_error = _factory(_C.UNKNOWN_VALIDATION_ERROR, "message")
# fmt: on

_builder.name_factories(globals())
