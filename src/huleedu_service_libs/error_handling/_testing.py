"""The test helpers' implementation (public face: ``error_handling.testing``)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from huleedu_service_libs.error_handling._codes import ErrorCode, ErrorCodeLike, as_code, code_value
from huleedu_service_libs.error_handling._error import ErrorDetailLike, HuleEduError
from huleedu_service_libs.error_handling._model import ErrorDetail

__all__ = [
    "ErrorCapture",
    "ErrorDetailMatcher",
    "assert_raises_huleedu_error",
    "create_test_error_detail",
    "create_test_huleedu_error",
]


@dataclass(frozen=True)
class ErrorDetailMatcher:
    """Compares equal to any error detail that has the given code and fields; ``None`` = any."""

    error_code: ErrorCodeLike | None = None
    service: str | None = None
    operation: str | None = None
    message_contains: str | None = None
    details_contain: Mapping[str, Any] | None = None
    correlation_id: uuid.UUID | None = None

    def mismatches(self, detail: ErrorDetailLike) -> list[str]:
        """What differs, one line each (empty when ``detail`` matches)."""
        found: list[str] = []
        if self.error_code is not None and code_value(detail.error_code) != code_value(
            self.error_code
        ):
            found.append(f"error_code {code_value(detail.error_code)} != {self.error_code}")
        for name in ("service", "operation", "correlation_id"):
            wanted = getattr(self, name)
            if wanted is not None and getattr(detail, name) != wanted:
                found.append(f"{name} {getattr(detail, name)!r} != {wanted!r}")
        if self.message_contains is not None and self.message_contains not in detail.message:
            found.append(f"message {detail.message!r} lacks {self.message_contains!r}")
        for key, value in (self.details_contain or {}).items():
            if key not in detail.details or detail.details[key] != value:
                found.append(f"details[{key!r}] is {detail.details.get(key)!r}, not {value!r}")
        return found

    def matches(self, detail: ErrorDetailLike) -> bool:
        return not self.mismatches(detail)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, HuleEduError):
            other = other.error_detail
        return all(hasattr(other, f) for f in ("error_code", "message", "details")) and (
            self.matches(other)  # type: ignore[arg-type]  # checked by shape above
        )

    __hash__ = None  # type: ignore[assignment]  # equal to many details: not hashable


class ErrorCapture:
    """Catches a ``HuleEduError`` raised inside the block and keeps it; others pass through."""

    __slots__ = ("error",)

    def __init__(self) -> None:
        self.error: HuleEduError | None = None

    def __enter__(self) -> ErrorCapture:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool:
        if isinstance(value, HuleEduError):
            self.error = value
            return True
        return False

    @property
    def error_detail(self) -> ErrorDetailLike:
        """The caught error's detail; fails when nothing was raised."""
        if self.error is None:
            raise AssertionError("no HuleEduError was raised")
        return self.error.error_detail


@contextmanager
def assert_raises_huleedu_error(
    error_code: ErrorCodeLike,
    service: str | None = None,
    operation: str | None = None,
    message_contains: str | None = None,
    details_contain: Mapping[str, Any] | None = None,
) -> Iterator[ErrorCapture]:
    """Fail unless the block raises a ``HuleEduError`` matching all the given fields."""
    matcher = ErrorDetailMatcher(error_code, service, operation, message_contains, details_contain)
    with ErrorCapture() as capture:
        yield capture
    if capture.error is None:
        raise AssertionError(f"expected a HuleEduError {code_value(error_code)}, none was raised")
    problems = matcher.mismatches(capture.error.error_detail)
    if problems:
        raise AssertionError("HuleEduError does not match: " + "; ".join(problems))


def create_test_error_detail(
    error_code: ErrorCodeLike = ErrorCode.PROCESSING_ERROR,
    message: str = "Test error",
    service: str = "test_service",
    operation: str = "test_operation",
    correlation_id: uuid.UUID | None = None,
    details: dict[str, Any] | None = None,
    **fields: Any,
) -> ErrorDetail:
    """An ``ErrorDetail`` with test defaults; ``fields`` set the others (``trace_id``, ...)."""
    return ErrorDetail(
        error_code=as_code(error_code),
        message=message,
        service=service,
        operation=operation,
        correlation_id=correlation_id or uuid.uuid4(),
        details=details or {},
        **fields,
    )


def create_test_huleedu_error(
    error_code: ErrorCodeLike = ErrorCode.PROCESSING_ERROR,
    message: str = "Test error",
    service: str = "test_service",
    operation: str = "test_operation",
    correlation_id: uuid.UUID | None = None,
    details: dict[str, Any] | None = None,
    **fields: Any,
) -> HuleEduError:
    """A ``HuleEduError`` around :func:`create_test_error_detail`."""
    return HuleEduError(
        create_test_error_detail(
            error_code, message, service, operation, correlation_id, details, **fields
        )
    )
