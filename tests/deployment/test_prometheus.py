"""Prometheus: the shipped config validates, and a real server scrapes a running service."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from huleedu_otel.receiver import OtlpReceiver
from tests._services import wait_for_port
from tests.conftest import BIN_DIR, IN_CI, REPO_ROOT, clean_env, free_port


SCRAPED_SERVICE = Path(__file__).with_name("_scraped_service.py")


def _binary(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        if IN_CI:
            pytest.fail(f"{name} is missing; .ci/run installs Debian's prometheus package")
        pytest.skip(f"{name} not installed (apt-get install prometheus)")
    return path


def test_shipped_prometheus_config_passes_promtool() -> None:
    result = subprocess.run(
        [
            _binary("promtool"),
            "check",
            "config",
            str(REPO_ROOT / "collector-config/prometheus.yml"),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_shipped_config_scrapes_the_collector_and_the_services() -> None:
    config = yaml.safe_load((REPO_ROOT / "collector-config/prometheus.yml").read_text())
    targets = {
        target
        for job in config["scrape_configs"]
        for static in job["static_configs"]
        for target in static["targets"]
    }
    assert {"otel-collector:8889", "example-service:9464", "example-consumer:9464"} <= targets


@pytest.fixture
def instrumented_service() -> Iterator[int]:
    """A service under the real launcher; yields its /metrics port."""
    port = free_port()
    with OtlpReceiver() as receiver:
        proc = subprocess.Popen(
            [
                str(BIN_DIR / "opentelemetry-instrument"),
                sys.executable,
                str(SCRAPED_SERVICE),
            ],
            env=clean_env(
                OTEL_SERVICE_NAME="scraped-service",
                OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint,
                OTEL_EXPORTER_PROMETHEUS_HOST="127.0.0.1",
                OTEL_EXPORTER_PROMETHEUS_PORT=str(port),
            ),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        yield port
        proc.communicate(input="\n", timeout=30)


def _query(prom_port: int, promql: str) -> list[dict[str, object]]:
    url = f"http://127.0.0.1:{prom_port}/api/v1/query?query={urllib.parse.quote(promql)}"
    body = json.loads(urllib.request.urlopen(url, timeout=5).read())
    result: list[dict[str, object]] = body["data"]["result"]
    return result


def test_a_real_prometheus_scrapes_the_service(instrumented_service: int, tmp_path: Path) -> None:
    """Prometheus scrapes the service's /metrics and answers a query for its series."""
    prom_port = free_port()
    config = {
        "global": {"scrape_interval": "1s"},
        "scrape_configs": [
            {
                "job_name": "huleedu",
                "static_configs": [{"targets": [f"127.0.0.1:{instrumented_service}"]}],
            }
        ],
    }
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    server = subprocess.Popen(
        [
            _binary("prometheus"),
            f"--config.file={tmp_path / 'prometheus.yml'}",
            f"--storage.tsdb.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{prom_port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(prom_port, timeout=30)
        deadline = time.monotonic() + 60
        result: list[dict[str, object]] = []
        while time.monotonic() < deadline and not result:
            result = _query(prom_port, 'demo_requests_total{job="huleedu"}')
            time.sleep(0.5)
        assert [r["metric"]["http_route"] for r in result] == ["/essays/<essay_id>"]  # type: ignore[index]
        (info,) = _query(prom_port, "target_info")
        assert info["metric"]["service_name"] == "scraped-service"  # type: ignore[index]
    finally:
        server.terminate()
        server.wait(timeout=30)
