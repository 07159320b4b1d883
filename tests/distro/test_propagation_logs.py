"""The propagators' warnings about malformed incoming headers: kept, but rare and text-free."""

from __future__ import annotations

import logging

import pytest
from opentelemetry.baggage.propagation import W3CBaggagePropagator

from huleedu_otel._setup.propagation_logs import MalformedContextFilter, quiet_propagation_warnings


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _record(message: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("opentelemetry.baggage.propagation", logging.WARNING, __file__, 1,
                             message, args, None)  # fmt: skip


def test_one_warning_per_kind_per_interval_with_quoted_text_replaced() -> None:
    """The first warning of a kind passes with each quoted string replaced by its length; the
    same kind again within the interval is dropped; after it, one passes again."""
    clock = _Clock()
    quiet = MalformedContextFilter(interval=60.0, clock=clock)
    first = _record("Baggage header `%s` exceeded %d", "secret" * 1000, 8192)
    assert quiet.filter(first)
    assert first.getMessage() == "Baggage header `<6000 characters>` exceeded 8192"
    assert not quiet.filter(_record("Baggage header `%s` exceeded %d", "x", 1))
    assert quiet.filter(_record("Invalid baggage entry: `%s`", "y"))
    clock.now = 61.0
    assert quiet.filter(_record("Baggage header `%s` exceeded %d", "x", 1))


def test_installed_filter_keeps_a_megabyte_header_out_of_the_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """With the filter installed (configure() and the pytest plugin do it), extracting a 1 MB
    ``baggage`` header logs at most one short warning (none if one went out this minute)
    instead of the header."""
    quiet_propagation_warnings()
    quiet_propagation_warnings()  # repeating adds no second filter
    logger = logging.getLogger("opentelemetry.baggage.propagation")
    assert len([f for f in logger.filters if isinstance(f, MalformedContextFilter)]) == 1
    for existing in logger.filters:
        if isinstance(existing, MalformedContextFilter):
            existing._last.clear()
    with caplog.at_level(logging.WARNING, "opentelemetry.baggage.propagation"):
        W3CBaggagePropagator().extract({"baggage": "k=" + "v" * (1 << 20)})
    assert all(len(record.getMessage()) < 200 for record in caplog.records)
