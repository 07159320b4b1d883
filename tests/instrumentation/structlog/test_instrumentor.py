"""The ``huleedu_structlog`` instrumentor: idempotent, reversible, and never breaking a log call."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from importlib.metadata import entry_points

import pytest
import structlog

from huleedu_otel.structlog import StructlogInstrumentor
from huleedu_otel.testing import TelemetryCapture
from huleedu_service_libs.logging_utils import configure_service_logging, create_service_logger


@pytest.fixture(autouse=True)
def service_logging(otel: TelemetryCapture) -> Iterator[None]:
    """Production logging for the test, undone afterwards (OTel's root handler stays)."""
    root = logging.getLogger()
    level = root.level
    configure_service_logging("svc", environment="production")
    yield
    StructlogInstrumentor().uninstrument()
    structlog.reset_defaults()
    for handler in list(root.handlers):
        if isinstance(handler.formatter, structlog.stdlib.ProcessorFormatter):
            root.removeHandler(handler)
    root.setLevel(level)


def _exported(otel: TelemetryCapture) -> list[tuple[object, dict[str, object]]]:
    return [(r.log_record.body, dict(r.log_record.attributes or {})) for r in otel.logs()]


def test_the_entry_point_loads_this_instrumentor() -> None:
    """``huleedu_structlog`` is how the distro finds it."""
    (entry_point,) = [
        ep
        for ep in entry_points(group="opentelemetry_instrumentor")
        if ep.name == "huleedu_structlog"
    ]
    assert entry_point.load() is StructlogInstrumentor


def test_instrumenting_twice_exports_each_event_once(otel: TelemetryCapture) -> None:
    """A second ``instrument()`` changes nothing."""
    StructlogInstrumentor().instrument()
    StructlogInstrumentor().instrument()

    create_service_logger("svc").info("once", n=1)

    assert [body for body, _ in _exported(otel) if body == "once"] == ["once"]


def test_without_the_instrumentor_the_stock_bridge_still_exports_once_by_message(
    otel: TelemetryCapture,
) -> None:
    """Uninstrumented, OTel's own handler exports the event text once (fields stay behind)."""
    StructlogInstrumentor().instrument()
    StructlogInstrumentor().uninstrument()

    create_service_logger("svc").info("plain", n=1)

    ((body, attributes),) = _exported(otel)
    assert (body, "n" in attributes) == ("plain", False)


def test_a_translation_failure_sends_a_placeholder_not_the_raw_record(
    otel: TelemetryCapture,
) -> None:
    """A field whose ``str`` raises cannot break the log call or leak the raw record."""

    class Unprintable:
        def __str__(self) -> str:
            raise RuntimeError("no text")

        __repr__ = __str__

    StructlogInstrumentor().instrument()

    logging.getLogger("svc").info({"event": "odd"}, extra={"_logger": "svc", "_name": "info"})
    create_service_logger("svc").info("still fine", value=Unprintable())  # must not raise

    bodies = [body for body, _ in _exported(otel)]
    assert "odd" in bodies
    assert any("could not be translated" in str(body) for body in bodies)
