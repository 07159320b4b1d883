"""Telemetry never breaks the statement: a failing tracer is logged once and swallowed."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy
from opentelemetry import trace
from sqlalchemy import text

from huleedu_otel.sqlalchemy import SQLAlchemyInstrumentor


class _BrokenTracer(trace.NoOpTracer):
    def start_span(self, *args: Any, **kwargs: Any) -> trace.Span:
        raise RuntimeError("exporter on fire")


class _BrokenTracerProvider(trace.NoOpTracerProvider):
    def get_tracer(self, *args: Any, **kwargs: Any) -> trace.Tracer:
        return _BrokenTracer()


@pytest.fixture
def broken_engine() -> Iterator[sqlalchemy.Engine]:
    """An engine instrumented with a tracer that raises; undone and disposed after the test."""
    engine = sqlalchemy.create_engine("sqlite://")
    instrumentor = SQLAlchemyInstrumentor()
    instrumentor.instrument_engine(engine, tracer_provider=_BrokenTracerProvider())
    yield engine
    instrumentor.uninstrument_engine(engine)
    engine.dispose()


def test_statements_succeed_when_the_tracer_raises(
    broken_engine: sqlalchemy.Engine, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, "huleedu_otel.sqlalchemy"), broken_engine.connect() as conn:
        answers = [conn.execute(text(f"SELECT {n}")).scalar() for n in range(3)]
    assert answers == [0, 1, 2]
    failures = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert [r.getMessage() for r in failures] == [
        "Telemetry failed in before_cursor_execute; the database call went on"
    ]
