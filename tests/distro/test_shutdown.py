"""Shutdown is bounded: an unreachable collector cannot hold a service's exit hostage."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from tests.conftest import BIN_DIR, clean_env, free_port

SCRIPT = Path(__file__).with_name("_unreachable_script.py")


def test_shutdown_with_an_unreachable_endpoint_ends_within_its_timeout() -> None:
    """The OTLP exporters would retry for ~10 s per signal; shutdown(1500 ms) returns in time."""
    started = time.monotonic()
    result = subprocess.run(
        [str(BIN_DIR / "python"), str(SCRIPT), "1500"],
        env=clean_env(
            OTEL_EXPORTER_OTLP_ENDPOINT=f"http://127.0.0.1:{free_port()}",
            OTEL_EXPORTER_PROMETHEUS_PORT="0",
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    process_seconds = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert float(result.stdout.strip()) < 1500 / 1000 + 1.0  # the deadline plus thread joins
    assert "unexported data is dropped" in result.stderr
    assert process_seconds < 15  # interpreter exit does not wait for the exporters either
