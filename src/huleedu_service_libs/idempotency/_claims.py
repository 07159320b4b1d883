"""The two states a message's key can be in, and how keys and owners are named."""

from __future__ import annotations

import enum
import uuid
from typing import Any

from huleedu_service_libs.events import generate_deterministic_event_id


class ClaimState(enum.Enum):
    """A key's state as a claim found it."""

    CLAIMED = 0  # it was free; the caller now holds its lease
    DONE = 1  # processed before, within the done marker's TTL
    IN_PROGRESS = 2  # another attempt holds the lease right now


def claim_key(namespace: str, record: Any) -> str:
    """The key of ``record``'s event; ``{namespace}`` is a Redis Cluster hash tag, so one
    namespace's keys share a slot and a batch can be claimed by one script."""
    return f"huleedu:idempotency:{{{namespace}}}:{generate_deterministic_event_id(record.value)}"


def new_owner() -> str:
    """A token naming one processing attempt: only its holder may release the lease."""
    return uuid.uuid4().hex
