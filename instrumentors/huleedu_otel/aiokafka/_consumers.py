"""What the instrumentor remembers per consumer: its open process span and its positions.

Held in a ``WeakKeyDictionary``, so a consumer that is dropped takes its state with it.
"""

from __future__ import annotations

import weakref
from contextvars import Token
from dataclasses import dataclass, field
from typing import Any

from opentelemetry import context, trace
from opentelemetry.metrics import CallbackOptions, Observation

from huleedu_service_libs._shared.messaging import semconv as sc
from huleedu_service_libs._shared.messaging.process_span import ProcessSpan
from huleedu_service_libs.correlation import bind_correlation_id, reset_correlation_id


@dataclass(frozen=True, slots=True)
class _Opened:
    """A process span made current in the caller's context, and how to undo that."""

    span: ProcessSpan
    context_token: object
    correlation_token: Token[str | None] | None


@dataclass
class ConsumerState:
    group: str | None
    #: next offset to consume per TopicPartition, from the records handed out
    positions: dict[Any, int] = field(default_factory=dict)
    opened: _Opened | None = None

    def open_span(self, span: ProcessSpan) -> None:
        """Make ``span`` current (and its correlation id bound) in the caller's context."""
        token = context.attach(span.context())
        bound = bind_correlation_id(span.correlation_id) if span.correlation_id else None
        self.opened = _Opened(span, token, bound)

    def close_span(self) -> None:
        """End the span opened by the previous fetch; undo its context if still current there
        (another task's fetch, or code that changed the context, only ends it)."""
        opened, self.opened = self.opened, None
        if opened is None:
            return
        if trace.get_current_span() is opened.span.span:
            if opened.correlation_token is not None:
                reset_correlation_id(opened.correlation_token)
            context.detach(opened.context_token)  # type: ignore[arg-type]
        opened.span.finish()


class ConsumerRegistry:
    def __init__(self) -> None:
        self._states: weakref.WeakKeyDictionary[Any, ConsumerState] = weakref.WeakKeyDictionary()

    def state(self, consumer: Any) -> ConsumerState:
        found = self._states.get(consumer)
        if found is None:
            found = self._states[consumer] = ConsumerState(getattr(consumer, "_group_id", None))
        return found

    def forget_all(self) -> None:
        """Uninstrumented: report no lag from positions nobody updates any more."""
        self._states.clear()

    def observe_lag(self, options: CallbackOptions) -> list[Observation]:
        """Per partition: the broker's high watermark minus the next offset to consume."""
        observations: list[Observation] = []
        for consumer, state in list(self._states.items()):
            for tp, position in list(state.positions.items()):
                highwater = consumer.highwater(tp)
                if highwater is not None:
                    observations.append(
                        Observation(max(highwater - position, 0), _lag_attrs(state, tp))
                    )
        return observations


def _lag_attrs(state: ConsumerState, tp: Any) -> dict[str, str]:
    attributes = {sc.SYSTEM: sc.KAFKA, sc.DESTINATION: tp.topic, sc.PARTITION: str(tp.partition)}
    if state.group is not None:
        attributes[sc.CONSUMER_GROUP] = state.group
    return attributes
