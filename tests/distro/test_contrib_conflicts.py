"""Contrib instrumentors that overlap ours stay off under the launcher unless opted in."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import BIN_DIR, clean_env

SCRIPT = Path(__file__).with_name("_report_instrumented.py")


def _run(**env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN_DIR / "opentelemetry-instrument"), str(BIN_DIR / "python"), str(SCRIPT)],
        env=clean_env(
            OTEL_SERVICE_NAME="conflicts",
            OTEL_TRACES_EXPORTER="none",
            OTEL_METRICS_EXPORTER="none",
            OTEL_LOGS_EXPORTER="none",
            **env,
        ),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )


def test_overlapping_contrib_instrumentors_stay_off_by_default() -> None:
    """The installed contrib redis instrumentor is skipped."""
    assert _run().stdout.strip() == "redis=False"


@pytest.mark.parametrize(
    ("opt_in", "expected"),
    [("redis", "redis=True"), ("all", "redis=True"), ("asgi", "redis=False")],
)
def test_contrib_opt_in_loads_them(opt_in: str, expected: str) -> None:
    """HULEEDU_OTEL_CONTRIB_OPT_IN names the ones to load anyway."""
    assert _run(HULEEDU_OTEL_CONTRIB_OPT_IN=opt_in).stdout.strip() == expected
