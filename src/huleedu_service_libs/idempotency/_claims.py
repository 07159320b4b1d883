"""The two states a message's key can be in, and how keys and owners are named."""

from __future__ import annotations

import uuid

from huleedu_service_libs._types import ClaimState, ConsumerRecordLike
from huleedu_service_libs.events import generate_deterministic_event_id

__all__ = ["ClaimState", "claim_key", "new_owner"]


def claim_key(namespace: str, record: ConsumerRecordLike) -> str:
    """The key of ``record``'s event; ``{namespace}`` is a Redis Cluster hash tag, so one
    namespace's keys share a slot and a batch can be claimed by one script."""
    event_id = generate_deterministic_event_id(record.value or b"")
    return f"huleedu:idempotency:{{{namespace}}}:{event_id}"


def new_owner() -> str:
    """A token naming one processing attempt: only its holder may release the lease."""
    return uuid.uuid4().hex
