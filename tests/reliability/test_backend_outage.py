"""A telemetry backend outage under load: the service never notices, and telemetry recovers.

One instrumented service (``configure()`` + a Quart app under hypercorn, in a subprocess because
the global providers can be set once per process) serves a fixed number of requests in each
phase while its OTLP receiver is healthy, absent, flapping and back. The scenario runs once per
module; each test pins one thing that must hold. The figures are printed (``-s``) for reports.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from huleedu_otel.receiver import OtlpReceiver
from tests._services import wait_for_port
from tests.conftest import BIN_DIR, clean_env, free_port
from tests.reliability._load import LoadResult, drive

SCRIPT = Path(__file__).with_name("_outage_service.py")
#: The outage bound from the issue, with an absolute floor: on a shared two-core machine a
#: phase's median of a few ms moves by several ms with the neighbours' load (seen: 5 -> 10 ms
#: with the receiver up). What the bound must catch is export on the request path, which
#: costs the export timeout (1 s here) per request, far above the floor.
LATENCY_RATIO = 1.5
LATENCY_FLOOR_SECONDS = 0.010
RSS_GROWTH_LIMIT_KB = 40_000
SHUTDOWN_TIMEOUT_SECONDS = 1.5


@dataclass(frozen=True)
class Plan:
    """How hard and how long: the bounded default run, or the soak (``--run-slow``)."""

    requests_per_phase: int
    flaps: int
    #: small in the bounded run so the capped queues overflow within seconds
    queue_size: int
    export_timeout_seconds: int


BOUNDED = Plan(requests_per_phase=600, flaps=3, queue_size=256, export_timeout_seconds=1)
#: The SDK's default queue (2048) and export timeout (10 s), ten times the requests.
SOAK = Plan(requests_per_phase=6000, flaps=5, queue_size=2048, export_timeout_seconds=10)
PHASE_BASE = 100_000  # request numbers of phase k start at k * PHASE_BASE
PROBE_REQUESTS = 20
#: How long the back phase waits, round after round of probes, for export to resume.
RESUME_WAIT_SECONDS = 30.0
ROUND_WAIT_SECONDS = 2.0


class Backend:
    """An OTLP receiver on one fixed port that the test can take down and bring back."""

    def __init__(self) -> None:
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.receiver: OtlpReceiver | None = None

    def up(self) -> OtlpReceiver:
        self.receiver = OtlpReceiver(port=self.port).__enter__()
        return self.receiver

    def down(self) -> None:
        if self.receiver is not None:
            self.receiver.__exit__(None, None, None)
            self.receiver = None


class Service:
    """The instrumented service process and what can be read from outside it."""

    def __init__(self, process: subprocess.Popen[bytes], port: int, metrics_port: int) -> None:
        self.process = process
        self.port = port
        self.metrics_port = metrics_port

    def rss_kb(self) -> int:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
        assert match is not None
        return int(match.group(1))

    def metrics_text(self) -> str:
        url = f"http://127.0.0.1:{self.metrics_port}/metrics"
        with urllib.request.urlopen(url, timeout=5) as response:
            return str(response.read().decode())

    def load(self, count: int, first: int) -> LoadResult:
        return asyncio.run(drive(self.port, "/work/{i}", count, first=first))

    def shutdown_telemetry(self) -> float:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/shutdown-telemetry", method="POST"
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return float(json.loads(response.read())["seconds"])


@contextmanager
def running_service(backend: Backend, plan: Plan, log: Path) -> Iterator[Service]:
    port, metrics_port = free_port(), free_port()
    env = clean_env(
        OTEL_EXPORTER_OTLP_ENDPOINT=backend.endpoint,
        OTEL_EXPORTER_OTLP_TIMEOUT=str(plan.export_timeout_seconds),
        OTEL_EXPORTER_PROMETHEUS_HOST="127.0.0.1",
        OTEL_EXPORTER_PROMETHEUS_PORT=str(metrics_port),
        OTEL_METRIC_EXPORT_INTERVAL="500",
        OTEL_BSP_SCHEDULE_DELAY="100",
        OTEL_BSP_MAX_QUEUE_SIZE=str(plan.queue_size),
        OTEL_BSP_MAX_EXPORT_BATCH_SIZE="64",
        OTEL_BLRP_SCHEDULE_DELAY="100",
        OTEL_BLRP_MAX_QUEUE_SIZE=str(plan.queue_size),
        OTEL_BLRP_MAX_EXPORT_BATCH_SIZE="64",
    )
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(BIN_DIR / "python"), str(SCRIPT), str(port)],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for_port(port, timeout=30)
            yield Service(process, port, metrics_port)
        finally:
            process.terminate()
            process.wait(timeout=30)


@dataclass
class OutageRun:
    """What the scenario measured, phase by phase."""

    phases: dict[str, LoadResult]
    rss_kb: tuple[int, int]
    metrics_text: str
    resumption: Resumption
    shutdown_seconds: float

    def counted(self, family: str, error: str) -> float:
        return counted(self.metrics_text, family, error)

    def figures(self) -> dict[str, object]:
        return {
            "phases": {name: result.summary() for name, result in self.phases.items()},
            "rss_kb_absent_phase": self.rss_kb,
            "spans_dropped_queue_full": self.counted(
                "otel_sdk_processor_span_processed", "queue_full"
            ),
            "logs_dropped_queue_full": self.counted(
                "otel_sdk_processor_log_processed", "queue_full"
            ),
            "spans_failed_export": self.counted("otel_sdk_exporter_span_exported", '[^"]+'),
            "resumed_after_seconds": self.resumption.after_seconds,
            "probe_rounds": self.resumption.rounds,
            "probe_spans_dropped_queue_full": self.resumption.dropped,
            "shutdown_seconds": self.shutdown_seconds,
        }


def counted(metrics_text: str, family: str, error: str) -> float:
    """The sum of a counter family's samples whose ``error_type`` matches ``error``."""
    pattern = rf"^{family}_total\{{[^}}]*error_type=\"{error}\"[^}}]*\}} (\S+)$"
    return sum(float(v) for v in re.findall(pattern, metrics_text, re.MULTILINE))


@dataclass(frozen=True)
class Resumption:
    """How export came back: after how long (``None``: not within the wait), after how many
    rounds of probe requests, and how many probe spans the full queue dropped meanwhile."""

    after_seconds: float | None
    rounds: int
    dropped: float


def _work_numbers(receiver: OtlpReceiver) -> set[int]:
    return {int(s.attributes["work.n"]) for s in receiver.spans() if s.name == "compute"}


def _merge(parts: list[LoadResult]) -> LoadResult:
    merged = LoadResult()
    for part in parts:
        merged.latencies.extend(part.latencies)
        merged.failures.extend(part.failures)
    return merged


def _flapping(backend: Backend, service: Service, plan: Plan) -> LoadResult:
    """The receiver comes and goes ``plan.flaps`` times while requests keep coming."""
    per_half = plan.requests_per_phase // (2 * plan.flaps)
    parts = []
    for half in range(2 * plan.flaps):
        if half % 2 == 0:
            backend.up()
        else:
            backend.down()
        parts.append(service.load(per_half, first=3 * PHASE_BASE + half * per_half))
    backend.down()
    return _merge(parts)


def _back(backend: Backend, service: Service, plan: Plan) -> tuple[LoadResult, Resumption]:
    """The receiver returns: rounds of a few requests until spans of one of them arrive, then
    the rest of the phase's load.

    One round is not enough. When the receiver returns, the span queue can still be full of the
    flapping phase's backlog while the exporter sits out its retry backoff, and a span made
    while the queue is full is dropped (and counted as ``queue_full``) by design. Measured on a
    loaded machine: 36 and 40 of the first round's spans dropped in two of three runs; when all
    of them are, a single round waits in vain. What must hold is that requests served after the
    return get their spans exported again.
    """
    receiver = backend.up()
    started = time.monotonic()
    dropped_before = _queue_full(service)
    parts: list[LoadResult] = []
    after: float | None = None
    while after is None and time.monotonic() - started < RESUME_WAIT_SECONDS:
        first = 4 * PHASE_BASE + len(parts) * PROBE_REQUESTS
        parts.append(service.load(PROBE_REQUESTS, first=first))
        if receiver.wait_for(_has_back_phase_spans, ROUND_WAIT_SECONDS):
            after = time.monotonic() - started
    dropped = _queue_full(service) - dropped_before
    remaining = max(plan.requests_per_phase - len(parts) * PROBE_REQUESTS, 0)
    rest = service.load(remaining, first=5 * PHASE_BASE)
    return _merge([*parts, rest]), Resumption(after, len(parts), dropped)


def _has_back_phase_spans(receiver: OtlpReceiver) -> bool:
    return max(_work_numbers(receiver), default=0) >= 4 * PHASE_BASE


def _queue_full(service: Service) -> float:
    return counted(service.metrics_text(), "otel_sdk_processor_span_processed", "queue_full")


def _absent(service: Service, plan: Plan) -> tuple[LoadResult, tuple[int, int]]:
    """Two rounds of load with nothing listening; RSS before and after them.

    The phase lasts until the exporter has given up on at least one batch (bounded by
    ``EXPORT_FAILURE_WAIT``): on a loaded machine the load alone can end before the first
    export attempt has timed out, and the flapping phase would then let its retry succeed.
    """
    rss_before = service.rss_kb()
    count = plan.requests_per_phase
    rounds = [service.load(count, first=2 * PHASE_BASE + i * count) for i in (0, 1)]
    rss_after = service.rss_kb()
    _wait_for_a_failed_export(service)
    return _merge(rounds), (rss_before, rss_after)


EXPORT_FAILURE_WAIT = 20.0


def _wait_for_a_failed_export(service: Service) -> None:
    pattern = re.compile(r'^otel_sdk_exporter_span_exported_total\{[^}]*error_type="[^"]+"', re.M)
    deadline = time.monotonic() + EXPORT_FAILURE_WAIT
    while time.monotonic() < deadline and not pattern.search(service.metrics_text()):
        time.sleep(0.2)


def _scenario(backend: Backend, service: Service, plan: Plan) -> OutageRun:
    receiver = backend.up()
    service.load(100, first=0)  # warm-up: imports, connections, first exports
    healthy = service.load(plan.requests_per_phase, first=PHASE_BASE)
    assert receiver.wait_for(lambda r: len(_work_numbers(r)) > 0)
    backend.down()
    absent, rss_kb = _absent(service, plan)
    flapping = _flapping(backend, service, plan)
    back, resumption = _back(backend, service, plan)
    metrics_text = service.metrics_text()
    backend.down()
    return OutageRun(
        phases={"healthy": healthy, "absent": absent, "flapping": flapping, "back": back},
        rss_kb=rss_kb,
        metrics_text=metrics_text,
        resumption=resumption,
        shutdown_seconds=service.shutdown_telemetry(),
    )


@pytest.fixture(
    scope="module",
    params=[
        pytest.param(BOUNDED, id="bounded"),
        pytest.param(SOAK, id="soak", marks=pytest.mark.slow),
    ],
)
def outage(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> OutageRun:
    plan: Plan = request.param
    backend = Backend()
    log = tmp_path_factory.mktemp("outage") / "service.log"
    try:
        with running_service(backend, plan, log) as service:
            run = _scenario(backend, service, plan)
    finally:
        backend.down()
    print(json.dumps(run.figures(), indent=2))
    return run


def test_no_request_fails_while_the_collector_is_away(outage: OutageRun) -> None:
    """Every phase, healthy to back, answers every request with a 2xx."""
    assert {name: [] for name in outage.phases} == {
        name: result.failures for name, result in outage.phases.items()
    }


@pytest.mark.parametrize("phase", ["absent", "flapping", "back"])
def test_request_latency_during_an_outage_stays_within_the_healthy_bound(
    outage: OutageRun, phase: str
) -> None:
    """Median latency stays within 1.5x the healthy median (with a small absolute floor)."""
    healthy = outage.phases["healthy"].median
    bound = max(healthy * LATENCY_RATIO, healthy + LATENCY_FLOOR_SECONDS)
    assert outage.phases[phase].median <= bound, outage.figures()["phases"]


def test_memory_stays_bounded_while_the_endpoint_is_absent(outage: OutageRun) -> None:
    """The capped queues hold what cannot be sent; RSS does not grow with the backlog."""
    before, after = outage.rss_kb
    assert after - before < RSS_GROWTH_LIMIT_KB


def test_spans_dropped_by_a_full_queue_are_counted(outage: OutageRun) -> None:
    """The overflow shows as otel.sdk.processor.span.processed{error.type=queue_full}."""
    assert outage.counted("otel_sdk_processor_span_processed", "queue_full") > 0


def test_batches_the_exporter_gave_up_on_are_counted(outage: OutageRun) -> None:
    """Failed exports show as otel.sdk.exporter.span.exported with an error.type."""
    assert outage.counted("otel_sdk_exporter_span_exported", '[^"]+') > 0


def test_export_resumes_once_the_collector_is_back(outage: OutageRun) -> None:
    """Spans of requests served after the receiver returned arrive at it, within 30 s."""
    assert outage.resumption.after_seconds is not None, outage.figures()


def test_shutdown_against_an_unreachable_endpoint_finishes_within_its_timeout(
    outage: OutageRun,
) -> None:
    """``TelemetryHandle.shutdown(1500)`` with the receiver down returns on its deadline."""
    assert outage.shutdown_seconds < SHUTDOWN_TIMEOUT_SECONDS + 1.0  # plus thread joins
