"""Prometheus: the shipped config validates, and a real server scrapes a running service."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from huleedu_otel.receiver import OtlpReceiver
from tests._services import wait_for_port
from tests.conftest import BIN_DIR, IN_CI, REPO_ROOT, clean_env, free_port
from tests.distro._hypercorn import hypercorn_command, launched


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


@pytest.fixture(scope="module")
def example_service_metrics_port() -> Iterator[int]:
    """The README's main command kept running: the example service after its workload."""
    demo = subprocess.Popen(
        [str(BIN_DIR / "huleedu-otel"), "demo", "--keep-running"],
        env=clean_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert demo.stdout is not None
    port = None
    for line in demo.stdout:
        found = re.search(r"its metrics: http://127\.0\.0\.1:(\d+)/metrics", line)
        if found:
            port = int(found.group(1))
            break
    try:
        assert port is not None, "the demo never reported its /metrics endpoint"
        yield port
    finally:
        demo.communicate(input="\n", timeout=60)


def test_the_example_services_exposition_is_valid(example_service_metrics_port: int) -> None:
    """``promtool check metrics`` accepts what /metrics serves (one HELP/TYPE per family)."""
    url = f"http://127.0.0.1:{example_service_metrics_port}/metrics"
    exposition = urllib.request.urlopen(url, timeout=5).read()
    result = subprocess.run(
        [_binary("promtool"), "check", "metrics"], input=exposition, capture_output=True
    )
    problems = [
        line
        for line in (result.stdout + result.stderr).decode().splitlines()
        if "error" in line.lower() or "duplicate" in line.lower()
    ]
    assert problems == []


def _query(prom_port: int, promql: str) -> list[dict[str, object]]:
    """The query's result; empty while Prometheus is still starting (it answers 503 then)."""
    url = f"http://127.0.0.1:{prom_port}/api/v1/query?query={urllib.parse.quote(promql)}"
    try:
        body = json.loads(urllib.request.urlopen(url, timeout=5).read())
    except urllib.error.HTTPError as error:
        if error.code == 503:
            return []
        raise
    result: list[dict[str, object]] = body["data"]["result"]
    return result


def test_a_real_prometheus_scrapes_the_example_service(
    example_service_metrics_port: int, tmp_path: Path
) -> None:
    """Prometheus scrapes the running example service and answers a query for its series."""
    prom_port = free_port()
    config = {
        "global": {"scrape_interval": "1s"},
        "scrape_configs": [
            {
                "job_name": "huleedu",
                "static_configs": [{"targets": [f"127.0.0.1:{example_service_metrics_port}"]}],
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
            result = _query(
                prom_port, 'http_server_request_duration_seconds_count{http_route="/essays"}'
            )
            time.sleep(0.5)
        assert [r["value"][1] for r in result] == ["3"]  # type: ignore[index]
        (info,) = _query(prom_port, "target_info")
        assert info["metric"]["service_name"] == "essay-service"  # type: ignore[index]
    finally:
        server.terminate()
        server.wait(timeout=30)


DURATION_BUCKETS = "http_server_request_duration_seconds_bucket"


def _start_prometheus(target_port: int, tmp_path: Path) -> tuple[subprocess.Popen[bytes], int]:
    """Debian's Prometheus with exemplar storage, scraping ``target_port`` every second."""
    prom_port = free_port()
    config = {
        "global": {"scrape_interval": "1s"},
        "scrape_configs": [
            {"job_name": "huleedu", "static_configs": [{"targets": [f"127.0.0.1:{target_port}"]}]}
        ],
    }
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    server = subprocess.Popen(
        [
            _binary("prometheus"),
            f"--config.file={tmp_path / 'prometheus.yml'}",
            f"--storage.tsdb.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{prom_port}",
            "--enable-feature=exemplar-storage",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_port(prom_port, timeout=30)
    return server, prom_port


def _exemplar_trace_ids(prom_port: int, series: str) -> set[str]:
    now = time.time()
    query = urllib.parse.urlencode({"query": series, "start": now - 600, "end": now + 60})
    url = f"http://127.0.0.1:{prom_port}/api/v1/query_exemplars?{query}"
    try:
        body = json.loads(urllib.request.urlopen(url, timeout=5).read())
    except urllib.error.HTTPError as error:
        if error.code == 503:
            return set()
        raise
    return {
        exemplar["labels"]["trace_id"]
        for result in body["data"]
        for exemplar in result["exemplars"]
        if "trace_id" in exemplar["labels"]
    }


def test_prometheus_stores_exemplars_that_open_received_traces(tmp_path: Path) -> None:
    """A real Prometheus (exemplar storage on) scrapes the Quart example under the launcher with
    two workers; ``query_exemplars`` on the duration buckets returns trace ids that the OTLP
    receiver got as spans: a latency point opens its trace."""
    with OtlpReceiver() as receiver:
        env = {
            "OTEL_TRACES_EXPORTER": "otlp",
            "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
            "OTEL_BSP_SCHEDULE_DELAY": "100",
        }
        with launched(hypercorn_command(["--workers", "2"]), **env) as service:
            prometheus, prom_port = _start_prometheus(service.metrics_port, tmp_path)
            try:
                deadline = time.monotonic() + 90
                found: set[str] = set()
                while time.monotonic() < deadline and not found:
                    service.get("/essays/1")
                    found = _exemplar_trace_ids(
                        prom_port, "http_server_request_duration_seconds_bucket"
                    )
                    time.sleep(0.5)
            finally:
                prometheus.terminate()
                prometheus.wait(timeout=30)
            receiver.wait_for(lambda r: bool(found & {s.trace_id for s in r.spans()}))
            traced = {span.trace_id for span in receiver.spans()}
    assert found, "Prometheus stored no exemplar"
    assert found & traced
