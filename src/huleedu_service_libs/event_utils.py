"""The seed's import path for the event helpers (``huleedu_service_libs.event_utils``)."""

from huleedu_service_libs.events._event_utils import (
    extract_correlation_id_as_string,
    extract_correlation_id_from_event,
    extract_user_id_from_event_data,
    generate_deterministic_event_id,
)

__all__ = [
    "extract_correlation_id_as_string",
    "extract_correlation_id_from_event",
    "extract_user_id_from_event_data",
    "generate_deterministic_event_id",
]
