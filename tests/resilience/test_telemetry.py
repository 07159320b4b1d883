"""The breaker's telemetry under the contract's names: metrics, span events, Prometheus output."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.exporter.prometheus import PrometheusMetricReader
from opentelemetry.metrics import Counter, Meter, NoOpCounter, NoOpMeter, NoOpMeterProvider
from opentelemetry.sdk.metrics import MeterProvider
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from huleedu_otel.testing import TelemetryCapture
from huleedu_service_libs.errors import CircuitBreakerError
from huleedu_service_libs.resilience import CircuitBreaker
from tests.conftest import clean_env
from tests.resilience._clock import ManualClock


async def _fail() -> None:
    raise ConnectionError("down")


async def _wrong_input() -> None:
    raise ValueError("not the service's fault")


async def _exercise(breaker: CircuitBreaker, clock: ManualClock) -> None:
    """success, ignored, failure (opens), blocked, then a probe that closes it."""
    await breaker.call(asyncio.sleep, 0)
    with pytest.raises(ValueError, match="fault"):
        await breaker.call(_wrong_input)
    with pytest.raises(ConnectionError):
        await breaker.call(_fail)
    with pytest.raises(CircuitBreakerError):
        await breaker.call(asyncio.sleep, 0)
    clock.advance(60)
    await breaker.call(asyncio.sleep, 0)


def _breaker(name: str, clock: ManualClock, **kwargs: object) -> CircuitBreaker:
    return CircuitBreaker(
        failure_threshold=1,
        success_threshold=1,
        expected_exception=ConnectionError,
        name=name,
        clock=clock,
        **kwargs,  # type: ignore[arg-type]
    )


async def test_calls_are_counted_by_result(otel: TelemetryCapture) -> None:
    """``circuit_breaker.calls`` carries ``result`` = success, failure, blocked, ignored."""
    clock = ManualClock()
    await _exercise(_breaker("counted", clock), clock)
    by_result = {
        result: otel.metrics.value(
            "circuit_breaker.calls", result=result, **{"circuit_breaker.name": "counted"}
        )
        for result in ("success", "failure", "blocked", "ignored")
    }
    assert by_result == {"success": 2, "failure": 1, "blocked": 1, "ignored": 1}


async def test_transitions_are_counted_with_from_and_to_state(otel: TelemetryCapture) -> None:
    """``circuit_breaker.state_transitions``: closed->open, open->half_open, half_open->closed."""
    clock = ManualClock()
    await _exercise(_breaker("moved", clock), clock)
    points = otel.metrics.points(
        "circuit_breaker.state_transitions", **{"circuit_breaker.name": "moved"}
    )
    assert {("closed", "open"), ("open", "half_open"), ("half_open", "closed")} == {
        (p.attributes["from_state"], p.attributes["to_state"]) for p in points if p.value == 1
    }


async def test_the_state_gauge_reads_0_closed_1_open_2_half_open(otel: TelemetryCapture) -> None:
    """``circuit_breaker.state`` follows the breaker, observed at collection time."""
    clock = ManualClock()
    breaker = _breaker("gauged", clock, half_open_max_calls=1)
    name = {"circuit_breaker.name": "gauged"}
    seen = [otel.metrics.value("circuit_breaker.state", **name)]
    with pytest.raises(ConnectionError):
        await breaker.call(_fail)
    seen.append(otel.metrics.value("circuit_breaker.state", **name))
    clock.advance(60)
    probe = asyncio.create_task(breaker.call(asyncio.sleep, 0.001))
    await asyncio.sleep(0)
    seen.append(otel.metrics.value("circuit_breaker.state", **name))
    await probe
    assert seen == [0, 1, 2]


async def test_a_transition_adds_an_event_to_the_current_span(otel: TelemetryCapture) -> None:
    """The span around the call that tripped the breaker says so."""
    breaker = _breaker("evented", ManualClock())
    tracer = otel.tracer_provider.get_tracer("test")
    with tracer.start_as_current_span("handler"), pytest.raises(ConnectionError):
        await breaker.call(_fail)
    event = next(e for e in otel.span("handler").events if e.name == "circuit_breaker.state_change")
    assert dict(event.attributes or {}) == {
        "circuit_breaker.name": "evented",
        "from_state": "closed",
        "to_state": "open",
    }


async def test_a_blocked_call_marks_the_current_span(otel: TelemetryCapture) -> None:
    """A refused call leaves an event and ``circuit_breaker.blocked`` on the caller's span."""
    breaker = _breaker("marking", ManualClock())
    breaker.force_open()
    tracer = otel.tracer_provider.get_tracer("test")
    with tracer.start_as_current_span("handler"), pytest.raises(CircuitBreakerError):
        await breaker.call(asyncio.sleep, 0)
    span = otel.span("handler")
    assert (span.attributes or {})["circuit_breaker.blocked"] is True
    assert [e.name for e in span.events] == ["circuit_breaker.blocked"]


async def test_the_prometheus_names_are_the_seeds() -> None:
    """On a real Prometheus reader the three metrics render under the seed's names."""
    registry = CollectorRegistry()
    provider = MeterProvider(metric_readers=[PrometheusMetricReader(registry=registry)])
    clock = ManualClock()
    breaker = _breaker("scraped", clock, meter_provider=provider)  # the gauge reports live ones
    try:
        await _exercise(breaker, clock)
        text = generate_latest(registry).decode()
    finally:
        provider.shutdown()
    name = {"circuit_breaker_name": "scraped"}
    assert [
        _sample(text, "circuit_breaker_state", **name),
        _sample(text, "circuit_breaker_calls_total", result="success", **name),
        _sample(text, "circuit_breaker_calls_total", result="blocked", **name),
        _sample(
            text,
            "circuit_breaker_state_transitions_total",
            from_state="closed",
            to_state="open",
            **name,
        ),
    ] == [0.0, 2.0, 1.0, 1.0]


def _sample(text: str, name: str, **labels: str) -> float:
    """The value of the one sample called ``name`` whose labels include ``labels``."""
    (value,) = [
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and labels.items() <= sample.labels.items()
    ]
    return value


def test_breakers_made_before_the_sdk_report_once_it_is_installed() -> None:
    """Without an SDK nothing is recorded; an SDK installed later sees every breaker, gauge too."""
    script = Path(__file__).with_name("_late_sdk_script.py")
    completed = subprocess.run(
        [sys.executable, str(script)], env=clean_env(), capture_output=True, text=True, check=True
    )
    points = json.loads(completed.stdout)
    name = "circuit_breaker.name"
    assert points == [
        ["circuit_breaker.calls", {name: "early", "result": "success"}, 1],
        ["circuit_breaker.calls", {name: "late", "result": "success"}, 1],
        ["circuit_breaker.state", {name: "early"}, 0],
        ["circuit_breaker.state", {name: "late"}, 0],
    ]


class _BrokenCounter(NoOpCounter):
    def add(self, amount: float, attributes: Any = None, context: Any = None) -> None:
        raise RuntimeError("exporter bug")


class _BrokenMeter(NoOpMeter):
    def create_counter(self, name: str, unit: str = "", description: str = "") -> Counter:
        return _BrokenCounter(name, unit, description)


class _BrokenMeterProvider(NoOpMeterProvider):
    """An OTel API meter provider whose counters raise: a stand-in for a broken SDK."""

    def get_meter(self, name: str, *args: Any, **kwargs: Any) -> Meter:
        return _BrokenMeter(name)


async def test_broken_telemetry_never_reaches_the_caller(caplog: pytest.LogCaptureFixture) -> None:
    """Counters that raise: calls still return and fail as usual, the breaker still trips."""
    clock = ManualClock()
    breaker = _breaker("broken-telemetry", clock, meter_provider=_BrokenMeterProvider())
    assert await breaker.call(asyncio.sleep, 0, "ok") == "ok"
    with pytest.raises(ConnectionError):
        await breaker.call(_fail)
    with pytest.raises(CircuitBreakerError):
        await breaker.call(asyncio.sleep, 0)
    assert breaker.get_state()["state"] == "open"
    assert sum("listener" in r.getMessage() for r in caplog.records) == 1
