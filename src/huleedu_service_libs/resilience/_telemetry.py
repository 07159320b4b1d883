"""Breaker telemetry through the OpenTelemetry API: a subscriber to the state machine's events.

Names follow the telemetry contract (no semantic convention exists for breakers):
``circuit_breaker.state`` (observable gauge: 0 closed, 1 open, 2 half-open),
``circuit_breaker.calls`` (counter, ``result``) and ``circuit_breaker.state_transitions``
(counter, ``from_state``/``to_state``), each with ``circuit_breaker.name``. A transition adds an
event to the current span; a blocked call marks it.

Instruments are created once per meter provider and shared by every breaker on it, because a
second observable gauge of the same name would be dropped by the SDK. Without an SDK the global
provider hands out proxy instruments: recording a call is then one no-op ``add``, and an SDK
installed later still receives everything from then on.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Iterable, Mapping
from typing import Final

from opentelemetry import metrics, trace
from opentelemetry.metrics import CallbackOptions, MeterProvider, Observation

from huleedu_service_libs.resilience._events import (
    BreakerEvent,
    CallRecorded,
    CallResult,
    CircuitBreakerState,
    StateChanged,
)
from huleedu_service_libs.resilience._machine import BreakerStateMachine

__all__ = ["BreakerTelemetry"]

_log = logging.getLogger(__name__)

NAME: Final = "circuit_breaker.name"
GAUGE_VALUE: Final[Mapping[CircuitBreakerState, int]] = {
    CircuitBreakerState.CLOSED: 0,
    CircuitBreakerState.OPEN: 1,
    CircuitBreakerState.HALF_OPEN: 2,
}
RESULTS: Final[tuple[CallResult, ...]] = ("success", "failure", "blocked", "ignored")
_SCOPE: Final = "huleedu_service_libs.resilience"


class _SharedInstruments:
    """One meter's instruments, and the breakers its state gauge reports."""

    def __init__(self, provider: MeterProvider) -> None:
        meter = provider.get_meter(_SCOPE)
        self.calls = meter.create_counter(
            "circuit_breaker.calls", unit="1", description="Calls through a circuit breaker"
        )
        self.transitions = meter.create_counter(
            "circuit_breaker.state_transitions",
            unit="1",
            description="Circuit breaker state changes",
        )
        self._machines: weakref.WeakSet[BreakerStateMachine] = weakref.WeakSet()
        self._lock = threading.Lock()  # the gauge is read from the exporter's thread
        meter.create_observable_gauge(
            "circuit_breaker.state",
            callbacks=[self._observe],
            unit="1",
            description="Circuit breaker state: 0 closed, 1 open, 2 half-open",
        )

    def track(self, machine: BreakerStateMachine) -> None:
        with self._lock:
            self._machines.add(machine)

    def _observe(self, options: CallbackOptions) -> Iterable[Observation]:
        with self._lock:
            machines = list(self._machines)
        return [Observation(GAUGE_VALUE[m.state], {NAME: m.name}) for m in machines]


_global: _SharedInstruments | None = None
_explicit: weakref.WeakKeyDictionary[MeterProvider, _SharedInstruments] = (
    weakref.WeakKeyDictionary()
)
_shared_lock = threading.Lock()


def _instruments_for(provider: MeterProvider | None) -> _SharedInstruments:
    """The instruments on ``provider``, created on first use; ``None`` means the global one.

    The global provider's instruments are created once, through whatever provider is global
    then (the API's proxy before an SDK is installed, which forwards to the SDK afterwards), so
    the state gauge is never registered twice on one meter.
    """
    global _global
    with _shared_lock:
        if provider is None or provider is metrics.get_meter_provider():
            if _global is None:
                _global = _SharedInstruments(metrics.get_meter_provider())
            return _global
        if provider not in _explicit:
            _explicit[provider] = _SharedInstruments(provider)
        return _explicit[provider]


class BreakerTelemetry:
    """Turns one breaker's events into metric points, span events and a log line."""

    __slots__ = ("_call_attributes", "_calls", "_name", "_name_attributes", "_transitions")

    def __init__(
        self, machine: BreakerStateMachine, meter_provider: MeterProvider | None = None
    ) -> None:
        shared = _instruments_for(meter_provider)
        shared.track(machine)
        self._calls = shared.calls
        self._transitions = shared.transitions
        self._name = machine.name
        self._name_attributes = {NAME: machine.name}
        # precomputed, so recording a call builds no dictionary
        self._call_attributes = {r: {NAME: machine.name, "result": r} for r in RESULTS}

    def on_event(self, event: BreakerEvent) -> None:
        """The listener to subscribe (a bound method: cheaper to call than ``__call__``)."""
        if type(event) is CallRecorded:
            result = event.result
            self._calls.add(1, self._call_attributes[result])
            if result == "blocked":
                self._mark_blocked()
        elif isinstance(event, StateChanged):
            self._record_transition(event)

    def _mark_blocked(self) -> None:
        span = trace.get_current_span()
        if span.is_recording():
            span.set_attribute("circuit_breaker.blocked", True)
            span.add_event("circuit_breaker.blocked", self._name_attributes)

    def _record_transition(self, event: StateChanged) -> None:
        attributes = {
            NAME: self._name,
            "from_state": event.from_state.value,
            "to_state": event.to_state.value,
        }
        self._transitions.add(1, attributes)
        span = trace.get_current_span()
        if span.is_recording():
            span.add_event("circuit_breaker.state_change", attributes)
        level = logging.WARNING if event.to_state is CircuitBreakerState.OPEN else logging.INFO
        _log.log(
            level,
            "circuit breaker %s: %s -> %s",
            self._name,
            event.from_state.value,
            event.to_state.value,
        )
