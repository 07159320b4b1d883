"""The one report-once helper: first failure of each kind with its traceback, repeats quiet."""

from __future__ import annotations

import asyncio
import logging

import pytest

from huleedu_service_libs._shared.report_once import ReportOnce, report_once


def _fail(report: ReportOnce, what: str) -> None:
    try:
        raise RuntimeError("exporter on fire")
    except RuntimeError:
        report(what)


def test_the_first_failure_of_each_kind_logs_its_traceback_and_repeats_go_to_debug(
    caplog: pytest.LogCaptureFixture,
) -> None:
    logger = logging.getLogger("tests.report_once.debug")
    report = ReportOnce(logger, "Telemetry failed in %s; the call goes on")

    with caplog.at_level(logging.DEBUG, logger.name):
        for what in ("span start", "span start", "span end"):
            _fail(report, what)

    seen = [(r.levelno, r.getMessage(), r.exc_info is not None) for r in caplog.records]
    assert seen == [
        (logging.ERROR, "Telemetry failed in span start; the call goes on", True),
        (logging.DEBUG, "Telemetry failed in span start; the call goes on", True),
        (logging.ERROR, "Telemetry failed in span end; the call goes on", True),
    ]


def test_repeats_none_drops_later_reports(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("tests.report_once.silent")
    report = ReportOnce(logger, "%s failed", level=logging.WARNING, repeats=None)

    with caplog.at_level(logging.DEBUG, logger.name):
        for _ in range(3):
            _fail(report, "listener")

    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.WARNING, "listener failed")
    ]


def test_two_reporters_dedupe_apart(caplog: pytest.LogCaptureFixture) -> None:
    """A reporter made per object (one breaker) does not silence another object's."""
    logger = logging.getLogger("tests.report_once.apart")
    first, second = (ReportOnce(logger, "%s failed", repeats=None) for _ in range(2))

    with caplog.at_level(logging.DEBUG, logger.name):
        _fail(first, "listener")
        _fail(second, "listener")

    assert len(caplog.records) == 2


def test_suppressing_swallows_exceptions_but_not_cancellation(
    caplog: pytest.LogCaptureFixture,
) -> None:
    report = ReportOnce(logging.getLogger("tests.report_once.with"), "%s failed")

    with caplog.at_level(logging.ERROR, "tests.report_once.with"):
        with report.suppressing("span end"):
            raise ValueError("broken")
        with pytest.raises(asyncio.CancelledError), report.suppressing("span end"):
            raise asyncio.CancelledError

    assert [r.getMessage() for r in caplog.records] == ["span end failed"]


def test_the_one_off_form_reports_once_per_logger_and_kind(
    caplog: pytest.LogCaptureFixture,
) -> None:
    logger = logging.getLogger("tests.report_once.function")

    with caplog.at_level(logging.ERROR, logger.name):
        for _ in range(2):
            try:
                raise RuntimeError("boom")
            except RuntimeError:
                report_once(logger, "error telemetry", "the error was answered without it (100%)")

    assert [r.getMessage() for r in caplog.records] == [
        "Telemetry failed in error telemetry; the error was answered without it (100%)"
    ]
