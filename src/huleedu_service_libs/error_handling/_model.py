"""``ErrorDetail``: what went wrong, where, and the ids that lead to its logs and trace."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_serializer, field_validator

from huleedu_service_libs.error_handling._codes import as_code, code_value

__all__ = ["ErrorDetail"]


class ErrorDetail(BaseModel):
    """One error, immutable once built. ``error_code`` is any ``str``-valued Enum member."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    error_code: Enum
    message: str
    correlation_id: UUID
    timestamp: datetime = Field(default_factory=lambda: datetime.now(UTC))
    service: str
    operation: str
    details: dict[str, Any] = Field(default_factory=dict)
    stack_trace: str | None = None
    trace_id: str | None = None
    span_id: str | None = None

    @field_validator("error_code", mode="before")
    @classmethod
    def _a_code(cls, value: object) -> Enum:
        """A member of a ``str``-valued Enum; a bare string must name a generic code."""
        if isinstance(value, Enum | str):
            return as_code(value)
        raise ValueError(f"error_code must be a str-valued Enum member, not {value!r}")

    @field_validator("timestamp")
    @classmethod
    def _in_utc(cls, value: datetime) -> datetime:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    @field_serializer("error_code")
    def _code_as_value(self, code: Enum) -> str:
        return code_value(code)
