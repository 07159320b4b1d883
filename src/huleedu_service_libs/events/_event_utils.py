"""Reading ids out of raw Kafka record values without trusting them.

A consumer calls these on whatever arrived: bytes that may not be UTF-8, text that may not be
JSON, JSON of the wrong shape, or something huge. Every function answers ``None`` or a stable
id for such input; none raises.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from typing import Any

__all__ = [
    "extract_correlation_id_as_string",
    "extract_correlation_id_from_event",
    "extract_user_id_from_event_data",
    "generate_deterministic_event_id",
]

#: Larger values are hashed, never parsed: parsing them would cost more than the message is worth.
MAX_PARSED_BYTES = 1 << 20
#: Longer "ids" are not ids.
_MAX_ID_LENGTH = 256


def generate_deterministic_event_id(msg_value: bytes) -> str:
    """The id of the logical event in ``msg_value``: the same event always gets the same id.

    It is the envelope's ``event_id`` (canonical UUID text) when there is a valid one, so a
    redelivered or re-serialized envelope keeps its id; otherwise a SHA-256 of the content.
    """
    raw = _as_bytes(msg_value)
    document = _parse_json(raw)
    if isinstance(document, Mapping):
        event_id = _as_uuid_text(document.get("event_id"))
        if event_id is not None:
            return event_id
    return hashlib.sha256(raw).hexdigest()


def extract_correlation_id_from_event(msg_value: bytes) -> str | None:
    """The envelope's ``correlation_id`` as text, or ``None`` when it has no usable one."""
    document = _parse_json(_as_bytes(msg_value))
    if not isinstance(document, Mapping):
        return None
    return extract_correlation_id_as_string(document.get("correlation_id"))


def extract_correlation_id_as_string(correlation_id: Any) -> str | None:
    """A UUID or non-blank text as text; anything else is ``None``."""
    if isinstance(correlation_id, uuid.UUID):
        return str(correlation_id)
    return _as_id_text(correlation_id)


def extract_user_id_from_event_data(event_data: Any) -> str | None:
    """The ``user_id`` of an event payload (a mapping or a model), or ``None``."""
    if isinstance(event_data, Mapping):
        value = event_data.get("user_id")
    else:
        try:
            value = getattr(event_data, "user_id", None)
        except Exception:  # a property that raises is "no user id", not the caller's problem
            return None
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return _as_id_text(value)


def _as_bytes(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, bytearray | memoryview):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass")
    return b"" if value is None else str(value).encode("utf-8", "surrogatepass")


def _parse_json(raw: bytes) -> Any:
    """The JSON document in ``raw``, or ``None`` when it is too big, not UTF-8 or not JSON."""
    if len(raw) > MAX_PARSED_BYTES:
        return None
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None


def _as_uuid_text(value: Any) -> str | None:
    if not isinstance(value, str) or len(value) > _MAX_ID_LENGTH:
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def _as_id_text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    text = value.strip()
    return text if text and len(text) <= _MAX_ID_LENGTH else None
