"""Spellchecker: its code, its HTTP status, and its factory row."""

from __future__ import annotations

from huleedu_service_libs.error_handling import _builder
from huleedu_service_libs.error_handling._codes import CodeEnum as _CodeEnum

_factory = _builder.error_factory

__all__ = ["HTTP_STATUS", "SpellcheckerErrorCode", "raise_spell_event_correlation_error"]


class SpellcheckerErrorCode(_CodeEnum):
    SPELL_EVENT_CORRELATION_ERROR = "SPELL_EVENT_CORRELATION_ERROR"


HTTP_STATUS = {SpellcheckerErrorCode.SPELL_EVENT_CORRELATION_ERROR: 400}

raise_spell_event_correlation_error = _factory(
    SpellcheckerErrorCode.SPELL_EVENT_CORRELATION_ERROR,
    "message",
    "correlation_id",
    "missing_field",
)

_builder.name_factories(globals())
