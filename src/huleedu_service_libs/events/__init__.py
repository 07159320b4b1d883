"""Events: the envelope services publish and consume, and helpers for reading raw records."""

from huleedu_service_libs.events._envelope import EventEnvelope, T_EventPayload
from huleedu_service_libs.events._event_utils import (
    extract_correlation_id_as_string,
    extract_correlation_id_from_event,
    extract_user_id_from_event_data,
    generate_deterministic_event_id,
)

__all__ = [
    "EventEnvelope",
    "T_EventPayload",
    "extract_correlation_id_as_string",
    "extract_correlation_id_from_event",
    "extract_user_id_from_event_data",
    "generate_deterministic_event_id",
]
