"""``huleedu_otel.configure()`` gives the launcher's result from code."""

from __future__ import annotations

import subprocess
import urllib.request
from pathlib import Path

from huleedu_otel.receiver import OtlpReceiver
from tests.conftest import BIN_DIR, clean_env, free_port

SCRIPT = Path(__file__).with_name("_configured_script.py")


def test_configure_exports_everything_and_shutdown_flushes() -> None:
    """Spans and logs buffered at shutdown arrive; a second configure() changes nothing."""
    with OtlpReceiver() as receiver:
        env = clean_env(
            OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint,
            OTEL_EXPORTER_PROMETHEUS_PORT=str(free_port()),
            OTEL_EXPORTER_PROMETHEUS_HOST="127.0.0.1",
            # long intervals: only shutdown()'s flush can deliver within the test
            OTEL_BSP_SCHEDULE_DELAY="60000",
            OTEL_BLRP_SCHEDULE_DELAY="60000",
            OTEL_METRIC_EXPORT_INTERVAL="60000",
        )
        proc = subprocess.Popen(
            [str(BIN_DIR / "python"), str(SCRIPT)],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        assert proc.stdin is not None
        trace_id = proc.stdout.readline().strip()
        port = int(proc.stdout.readline())
        scraped = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read()
        assert receiver.spans() == []
        stdout, stderr = proc.communicate(input="\n", timeout=30)

    assert proc.returncode == 0, stderr
    assert stdout.strip() == "shut down"
    assert "already configured (service=coded-svc); this call changes nothing" in stderr
    assert b"script_work_done_total" in scraped
    assert b'service_version="2.3.4"' in scraped
    (span,) = [s for s in receiver.spans() if s.name == "coded-work"]
    assert (span.service_name, span.trace_id) == ("coded-svc", trace_id)
    logged = [r for r in receiver.logs() if r.body.string_value == "inside the coded span"]
    assert [bytes(r.trace_id).hex() for r in logged] == [trace_id]
    assert "script.work.done" in {m.name for _, m in receiver.metrics()}
