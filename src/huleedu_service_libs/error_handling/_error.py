"""``HuleEduError``: the exception that carries an ``ErrorDetail`` to the edge of the service."""

from __future__ import annotations

from enum import Enum
from typing import Any, Protocol
from uuid import UUID

from huleedu_service_libs import errors
from huleedu_service_libs.error_handling._codes import code_value

__all__ = ["ErrorDetailLike", "HuleEduError"]


class ErrorDetailLike(Protocol):
    """The shape of an error detail: ours, or a service's own model with the same fields."""

    @property
    def error_code(self) -> Enum: ...
    @property
    def message(self) -> str: ...
    @property
    def correlation_id(self) -> UUID: ...
    @property
    def service(self) -> str: ...
    @property
    def operation(self) -> str: ...
    @property
    def details(self) -> dict[str, Any]: ...


class HuleEduError(errors.HuleEduError):
    """A structured, answerable error. Part of the library's one error tree.

    It accepts an ``ErrorDetail`` or any object of that shape (the platform's own model), and
    keeps it as given in ``error_detail``.
    """

    def __init__(self, error_detail: ErrorDetailLike) -> None:
        super().__init__(error_detail.message)
        self.error_detail = error_detail

    @property
    def error_code(self) -> Enum:
        return self.error_detail.error_code

    @property
    def correlation_id(self) -> UUID:
        return self.error_detail.correlation_id

    @property
    def service(self) -> str:
        return self.error_detail.service

    @property
    def operation(self) -> str:
        return self.error_detail.operation

    def add_detail(self, key: str, value: Any) -> None:
        """Add context on the way up; the detail is frozen but its ``details`` dict is not."""
        self.error_detail.details[key] = value

    def to_dict(self) -> dict[str, Any]:
        """The detail as JSON-ready values (works for any detail of this shape)."""
        detail = self.error_detail
        timestamp = getattr(detail, "timestamp", None)
        return {
            "error_code": code_value(detail.error_code),
            "message": detail.message,
            "correlation_id": str(detail.correlation_id),
            "timestamp": timestamp.isoformat() if timestamp is not None else None,
            "service": detail.service,
            "operation": detail.operation,
            "details": dict(detail.details),
            "stack_trace": getattr(detail, "stack_trace", None),
            "trace_id": getattr(detail, "trace_id", None),
            "span_id": getattr(detail, "span_id", None),
        }

    def __repr__(self) -> str:
        return f"HuleEduError({code_value(self.error_code)}: {self.error_detail.message!r})"
