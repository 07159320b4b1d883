"""What the breaker's state machine tells its subscribers: small, frozen, past-tense facts.

The machine knows nothing about telemetry or logging; those subscribe to these events. A call's
outcome is one of four results, the same words the ``circuit_breaker.calls`` metric uses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from huleedu_service_libs._types import CircuitBreakerState

__all__ = [
    "BreakerEvent",
    "BreakerListener",
    "CallRecorded",
    "CallResult",
    "CircuitBreakerState",
    "StateChanged",
]


#: ``ignored``: the call ended with an exception that is not a failure (one that does not match
#: ``expected_exception``, or a cancellation).
CallResult = Literal["success", "failure", "blocked", "ignored"]


@dataclass(frozen=True, slots=True)
class CallRecorded:
    """A call through the breaker ended with ``result`` (or was refused: ``blocked``)."""

    breaker: str
    result: CallResult


@dataclass(frozen=True, slots=True)
class StateChanged:
    """The breaker moved between states; ``generation`` counts every change since creation."""

    breaker: str
    from_state: CircuitBreakerState
    to_state: CircuitBreakerState
    generation: int


BreakerEvent = CallRecorded | StateChanged
BreakerListener = Callable[[BreakerEvent], None]
