"""Every worker on one endpoint: ``hypercorn --workers N`` under the launcher, one /metrics."""

from __future__ import annotations

import shutil
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from prometheus_client.openmetrics.parser import (
    text_string_to_metric_families as openmetrics_families,
)

from huleedu_otel.receiver import OtlpReceiver
from tests.conftest import IN_CI
from tests.distro._hypercorn import COUNT, gauge_pids, hypercorn_command, launched, total

OPENMETRICS = "application/openmetrics-text; version=1.0.0"


def test_two_workers_count_every_request_on_one_port() -> None:
    """100 requests, four at a time over fresh connections, spread over both workers (their own
    OTLP exports say each served some; the kernel picks the worker, so more are sent until both
    have): the supervisor's /metrics counts every one and shows each process's gauges apart."""
    with OtlpReceiver() as receiver:
        env = {
            "OTEL_METRICS_EXPORTER": "otlp,prometheus",
            "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
            "OTEL_METRIC_EXPORT_INTERVAL": "200",
        }
        with launched(hypercorn_command(["--workers", "2"]), **env) as server:
            server.wait_for(lambda text: len(gauge_pids(text)) == 3)
            statuses: list[int] = []
            with ThreadPoolExecutor(4) as pool:
                while len(statuses) < 100 or (len(_served(receiver)) < 2 and len(statuses) < 400):
                    batch = [f"/essays/{i}" for i in range(len(statuses), len(statuses) + 20)]
                    statuses += pool.map(server.get, batch)
                    if len(statuses) >= 100:
                        sent = len(statuses)
                        receiver.wait_for(lambda r, sent=sent: sum(_served(r).values()) >= sent)
            counted = server.wait_for_count(len(statuses))
            exposition = server.scrape()
            served = _served(receiver)
    assert statuses == [200] * len(statuses), server.output
    assert (len(served), sum(served.values())) == (2, len(statuses)), served
    assert counted == len(statuses), exposition
    assert len(gauge_pids(exposition)) == 3, exposition
    assert exposition.count("target_info{") == 1
    assert total(exposition, "http_server_active_requests") == 0  # summed over live workers


def _served(receiver: OtlpReceiver) -> dict[str, int]:
    """Requests each process last reported over OTLP (cumulative), by service.instance.id."""
    latest: dict[str, int] = {}
    for resource, metric in receiver.metrics():
        if metric.name == "http.server.request.duration":
            count = sum(point.count for point in metric.histogram.data_points)
            latest[str(resource["service.instance.id"])] = count
    return latest


def test_replaced_workers_neither_lose_counts_nor_go_backwards() -> None:
    """``--max-requests 30``: hypercorn replaces each worker after 30 requests. Over 200
    requests, scraped every 100 ms throughout, the count never decreases and reaches 200."""
    seen: list[float] = []
    done = threading.Event()
    with launched(hypercorn_command(["--workers", "2", "--max-requests", "30"])) as server:

        def scrape_throughout() -> None:
            while not done.wait(0.1):
                seen.append(total(server.scrape(), COUNT))

        scraper = threading.Thread(target=scrape_throughout)
        scraper.start()
        try:
            statuses = [server.get(f"/essays/{i}") for i in range(200)]
            final = server.wait_for_count(200)
        finally:
            done.set()
            scraper.join()
    assert statuses == [200] * 200, server.output
    assert final == 200
    assert len(seen) > 10
    assert seen == sorted(seen), "a counter went backwards"
    assert server.output.count("prometheus through the supervisor") >= 200 // 30


def test_openmetrics_exemplars_name_spans_the_collector_received() -> None:
    """Through the supervisor, an OpenMetrics scrape's bucket exemplars carry trace ids of
    spans the workers exported; both formats are valid; OTLP stays per process (each worker
    and the supervisor with its own service.instance.id)."""
    with OtlpReceiver() as receiver:
        env = {
            "OTEL_TRACES_EXPORTER": "otlp",
            "OTEL_METRICS_EXPORTER": "otlp,prometheus",
            "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
            "OTEL_BSP_SCHEDULE_DELAY": "100",
            "OTEL_METRIC_EXPORT_INTERVAL": "200",
        }
        with launched(hypercorn_command(["--workers", "2"]), **env) as server:
            for i in range(10):
                server.get(f"/essays/{i}")
            server.wait_for_count(10)
            openmetrics = server.scrape(OPENMETRICS)
            plain = server.scrape()
            receiver.wait_for(lambda r: len({s.trace_id for s in r.spans()}) >= 10)
            traced = {s.trace_id for s in receiver.spans()}
            receiver.wait_for(lambda r: len(_instances(r)) >= 3)
            instances = _instances(receiver)
    exemplars = [
        line.split('trace_id="')[1][:32]
        for line in openmetrics.splitlines()
        if line.startswith("http_server_request_duration_seconds_bucket") and "trace_id" in line
    ]
    assert exemplars
    assert set(exemplars) <= traced
    assert "trace_id" not in plain
    assert _promtool_problems(plain) == []
    # promtool (2.42) lints the text format only; prometheus_client's OpenMetrics parser is
    # strict (EOF, exemplar syntax and size, one TYPE per family) and raises on any violation.
    families = list(openmetrics_families(openmetrics))
    assert {"target", "http_server_request_duration_seconds"} <= {f.name for f in families}
    assert len(instances) == 3  # the supervisor and two workers, each exporting its own


def _instances(receiver: OtlpReceiver) -> set[str]:
    return {str(resource["service.instance.id"]) for resource, _ in receiver.metrics()}


def _promtool_problems(exposition: str) -> list[str]:
    promtool = shutil.which("promtool")
    if promtool is None:
        if IN_CI:
            pytest.fail("promtool is missing; .ci/run installs Debian's prometheus package")
        pytest.skip("promtool not installed (apt-get install prometheus)")
    result = subprocess.run(
        [promtool, "check", "metrics"], input=exposition.encode(), capture_output=True
    )
    return [
        line
        for line in (result.stdout + result.stderr).decode().splitlines()
        if "error" in line.lower() or "duplicate" in line.lower()
    ]
