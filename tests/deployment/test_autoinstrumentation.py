"""The OpenTelemetry Operator's injection, reproduced without Kubernetes.

The image's own install step (``deploy/kubernetes/autoinstrumentation/install.sh``) lays out the
directory; the operator's init container copies it (``cp -r``) into the pod's volume; the
application starts as it always does (``python -m hypercorn ...``, no launcher) with the
``PYTHONPATH`` and ``OTEL_*`` variables the operator sets, read from our ``Instrumentation``
resource. The application's own environment is this test's venv, which also holds upstream's
ASGI and redis instrumentations, plus upstream's distro on the application's ``PYTHONPATH``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import pytest
import yaml
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from huleedu_otel.receiver import OtlpReceiver, ReceivedSpan, attributes_of
from tests._services import wait_for_port
from tests.conftest import REPO_ROOT, clean_env, free_port
from tests.deployment._otlp_http import OtlpHttpReceiver

#: The example service, as hypercorn names it (one place to change if it moves).
EXAMPLE_APP = "huleedu_otel.tools.examples.essay_service.app:app"
AUTOINSTRUMENTATION = REPO_ROOT / "deploy" / "kubernetes" / "autoinstrumentation"
INSTRUMENTATION = REPO_ROOT / "deploy" / "kubernetes" / "instrumentation.yaml"
#: The operator's constants (pkg/instrumentation/python.go).
AUTO_INSTRUMENTATION_DIR = "opentelemetry/instrumentation/auto_instrumentation"
OPERATOR_DEFAULTS = {
    "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
    "OTEL_TRACES_EXPORTER": "otlp",
    "OTEL_METRICS_EXPORTER": "otlp",
    "OTEL_LOGS_EXPORTER": "otlp",
}
#: What a HuleEdu service brings itself; the injected directory must not shadow it.
FRAMEWORKS = {"quart", "sqlalchemy", "aiokafka", "redis", "structlog", "pydantic", "dishka"}

pytestmark = [pytest.mark.kafka, pytest.mark.redis, pytest.mark.timeout(300)]


def _run(*argv: str, **env: str) -> None:
    result = subprocess.run(
        argv, env=clean_env(**env), capture_output=True, text=True, timeout=240, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def pod(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A pod's filesystem after the init container: the volume, and the application's path."""
    root = tmp_path_factory.mktemp("pod")
    image = root / "image" / "autoinstrumentation"
    install = AUTOINSTRUMENTATION / "install.sh"
    _run("sh", str(install), str(REPO_ROOT), str(image), PYTHON=sys.executable)
    volume = root / "otel-auto-instrumentation-python"
    volume.mkdir()
    _run("cp", "-r", f"{image}/.", str(volume))  # the init container's command
    # The application's own PYTHONPATH carries upstream's distro and configurator.
    upstream = f"opentelemetry-distro=={version('opentelemetry-instrumentation')}"
    pip = (sys.executable, "-m", "pip", "install", "--quiet", "--no-deps")
    _run(*pip, "--target", str(root / "app"), upstream)
    return root


def _instrumentation_spec() -> dict[str, object]:
    spec: dict[str, object] = yaml.safe_load(INSTRUMENTATION.read_text())["spec"]
    return spec


def operator_env(
    pod: Path,
    container_env: dict[str, str],
    endpoint: str,
    resource_env: tuple[dict[str, str], ...] = (),
) -> dict[str, str]:
    """The variables the operator gives the container: its own win, then the resource's.

    ``resource_env`` stands for entries a team adds to the resource's ``spec.python.env``.
    """
    spec = _instrumentation_spec()
    python: dict[str, list[dict[str, str]]] = spec["python"]  # type: ignore[assignment]
    env = dict(container_env)
    for item in [*python["env"], *resource_env]:
        env.setdefault(item["name"], item["value"])
    volume = pod / "otel-auto-instrumentation-python"
    app_path = env.get("PYTHONPATH")
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(volume / AUTO_INSTRUMENTATION_DIR), app_path, str(volume)) if p
    )
    for name, value in OPERATOR_DEFAULTS.items():
        env.setdefault(name, value)
    env.setdefault("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)  # spec.exporter.endpoint, retargeted
    env.setdefault("OTEL_PROPAGATORS", ",".join(spec["propagators"]))  # type: ignore[arg-type]
    env.setdefault("OTEL_TRACES_SAMPLER", spec["sampler"]["type"])  # type: ignore[index]
    env.setdefault("OTEL_SERVICE_NAME", "essay-service")
    env.setdefault(
        "OTEL_RESOURCE_ATTRIBUTES",
        "k8s.namespace.name=huleedu,k8s.deployment.name=essay-service,k8s.pod.name=essay-service-0",
    )
    return env


@dataclass
class Started:
    protocol: str
    output: Path
    receiver: OtlpReceiver
    http: OtlpHttpReceiver
    port: int
    metrics_port: int
    proc: subprocess.Popen[str]


def _container_env(
    pod: Path, kafka_bootstrap: str, redis_url: str, metrics_port: int
) -> dict[str, str]:
    """What the service's own Deployment sets (the operator leaves these alone)."""
    return {
        "PYTHONPATH": str(pod / "app"),
        "DATABASE_URL": f"sqlite+aiosqlite:///{pod / 'essays.db'}",
        "REDIS_URL": redis_url,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "KAFKA_IDEMPOTENCE": "false",
        "RUN_CONSUMER": "false",
        "OTEL_EXPORTER_PROMETHEUS_HOST": "127.0.0.1",
        "OTEL_EXPORTER_PROMETHEUS_PORT": str(metrics_port),
        # exports at test pace rather than every few seconds
        "OTEL_BSP_SCHEDULE_DELAY": "200",
        "OTEL_BLRP_SCHEDULE_DELAY": "200",
        "OTEL_METRIC_EXPORT_INTERVAL": "500",
    }


@pytest.fixture(params=["http/protobuf", "grpc"])
def started(
    request: pytest.FixtureRequest,
    pod: Path,
    kafka_bootstrap: str,
    redis_url: str,
    tmp_path: Path,
) -> Iterator[Started]:
    """The example service started the operator's way; ``grpc`` as a resource may ask for it."""
    port, metrics_port = free_port(), free_port()
    container = _container_env(pod, kafka_bootstrap, redis_url, metrics_port)
    asked = ({"name": "OTEL_EXPORTER_OTLP_PROTOCOL", "value": "grpc"},)
    with OtlpReceiver() as receiver, OtlpHttpReceiver(receiver) as http:
        endpoint = receiver.endpoint if request.param == "grpc" else http.endpoint
        resource_env = asked if request.param == "grpc" else ()
        env = {**clean_env(), **operator_env(pod, container, endpoint, resource_env)}
        argv = [sys.executable, "-m", "hypercorn", "--bind", f"127.0.0.1:{port}", EXAMPLE_APP]
        output = tmp_path / "service.log"
        with output.open("w") as sink:
            proc = subprocess.Popen(
                argv, env=env, cwd=pod / "app", stdout=sink, stderr=subprocess.STDOUT,
                text=True, start_new_session=True,
            )  # fmt: skip
        try:
            wait_for_port(port, timeout=60)
            yield Started(request.param, output, receiver, http, port, metrics_port, proc)
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)


def _call(port: int, method: str, path: str, body: object | None = None) -> dict[str, str]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=data, method=method,
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    with urllib.request.urlopen(req, timeout=15) as response:
        answer: dict[str, str] = json.loads(response.read())
        return answer


def _of_kind(spans: list[ReceivedSpan], kind: int) -> list[ReceivedSpan]:
    return [s for s in spans if s.span.kind == kind]


def _server_spans(receiver: OtlpReceiver) -> list[ReceivedSpan]:
    return _of_kind(receiver.spans(), Span.SPAN_KIND_SERVER)


def test_the_injected_service_exports_route_named_spans_metrics_and_logs(
    started: Started,
) -> None:
    """No launcher, no code: the spans carry routes, the logs trace ids, and /metrics serves."""
    essay_id = _call(started.port, "POST", "/essays", {"user_id": "u-1", "text": "a b c"})[
        "essay_id"
    ]
    _call(started.port, "GET", f"/essays/{essay_id}")
    receiver = started.receiver
    routes = {"POST /essays", "GET /essays/<essay_id>"}
    assert receiver.wait_for(lambda r: routes <= {s.name for s in _server_spans(r)}, timeout=30)
    assert receiver.wait_for(
        lambda r: any(x.body.string_value == "Essay submitted" for x in r.logs())
    )
    assert receiver.wait_for(
        lambda r: any(m.name == "http.server.request.duration" for _, m in r.metrics())
    )

    by_name = {s.name: s for s in _server_spans(receiver)}
    post = by_name["POST /essays"]
    assert (post.service_name, post.attributes["http.route"]) == ("essay-service", "/essays")
    assert by_name["GET /essays/<essay_id>"].attributes["http.route"] == "/essays/<essay_id>"
    (logged,) = [r for r in receiver.logs() if r.body.string_value == "Essay submitted"]
    assert bytes(logged.trace_id).hex() == post.trace_id
    resource = attributes_of(receiver.trace_requests[0].resource_spans[0].resource.attributes)
    assert resource["k8s.pod.name"] == "essay-service-0"

    scrape = urllib.request.urlopen(
        f"http://127.0.0.1:{started.metrics_port}/metrics", timeout=5
    ).read()
    assert b"http_server_request_duration_seconds_count{" in scrape
    otlp_paths = {"/v1/traces", "/v1/metrics", "/v1/logs"}
    # over gRPC nothing reaches the HTTP front door; over http/protobuf all three signals do
    http_got = set(started.http.paths)
    assert http_got == (set() if started.protocol == "grpc" else otlp_paths)
    assert "otlp/" + started.protocol in started.output.read_text()


def test_nothing_is_instrumented_twice_beside_upstream_instrumentations(
    started: Started,
) -> None:
    """Upstream's distro, ASGI and redis instrumentors are installed: one span per operation."""
    essay_id = _call(started.port, "POST", "/essays", {"user_id": "u-2", "text": "x"})["essay_id"]
    _call(started.port, "GET", f"/essays/{essay_id}")
    receiver = started.receiver
    assert receiver.wait_for(
        lambda r: {"POST /essays", "GET /essays/<essay_id>"} <= {s.name for s in _server_spans(r)},
        timeout=30,
    )
    get_trace = next(s.trace_id for s in _server_spans(receiver) if s.name.startswith("GET"))
    post_trace = next(s.trace_id for s in _server_spans(receiver) if s.name.startswith("POST"))
    in_get = [s for s in receiver.spans() if s.trace_id == get_trace]
    in_post = [s for s in receiver.spans() if s.trace_id == post_trace]
    assert len(_of_kind(in_get, Span.SPAN_KIND_SERVER)) == 1
    assert len(_of_kind(in_post, Span.SPAN_KIND_SERVER)) == 1
    assert len(_of_kind(in_post, Span.SPAN_KIND_PRODUCER)) == 1
    redis = [s.name for s in in_get if s.attributes.get("db.system.name") == "redis"]
    assert "GET" in redis
    assert sorted(redis) == sorted(set(redis))  # each command once (the client's PING, the GET)
    scopes = {
        scope_spans.scope.name
        for request in receiver.trace_requests
        for resource_spans in request.resource_spans
        for scope_spans in resource_spans.scope_spans
    }
    assert {s for s in scopes if s.startswith("opentelemetry.instrumentation.")} == set()
    startups = [
        line.rsplit("instrumentors=", 1)[1].split(",")
        for line in started.output.read_text().splitlines()
        if "huleedu_otel configured service=essay-service" in line
    ]
    assert len(startups) == 2  # hypercorn's supervisor and its worker
    loaded = {name for names in startups for name in names}
    assert {n for n in loaded if not n.startswith("huleedu_")} == {"logging", "system_metrics"}


def test_the_injected_directory_is_the_operators_layout(pod: Path) -> None:
    """sitecustomize where the operator's PYTHONPATH points; no framework of the service."""
    volume = pod / "otel-auto-instrumentation-python"
    assert (volume / AUTO_INSTRUMENTATION_DIR / "sitecustomize.py").is_file()
    shipped = {p.name.split("-")[0].lower() for p in volume.glob("*.dist-info")}
    assert "huleedu_service_libs" in shipped
    assert shipped & FRAMEWORKS == set()
    unreadable = [p for p in volume.rglob("*") if not p.stat().st_mode & 0o004]
    assert unreadable == []


def test_the_operators_path_order_picks_the_injected_copies(pod: Path) -> None:
    """The same interpreter and PYTHONPATH as the service: our code comes from the volume."""
    env = {**clean_env(), **operator_env(pod, {"PYTHONPATH": str(pod / "app")}, "http://x")}
    env["OTEL_SDK_DISABLED"] = "true"
    probe = (
        "import sys, huleedu_otel, opentelemetry.sdk.trace, sitecustomize, opentelemetry.distro;"
        "print(huleedu_otel.__file__); print(opentelemetry.sdk.trace.__file__);"
        "print(sitecustomize.__file__); print(opentelemetry.distro.__file__)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    volume = str(pod / "otel-auto-instrumentation-python")
    assert [p.startswith(volume) for p in out] == [True, True, True, False]
    # upstream's distro is on the path first; the service tests show ours is the one picked
    assert out[3].startswith(str(pod / "app"))


def test_without_the_resources_choice_upstreams_configurator_would_win(pod: Path) -> None:
    """Why the Instrumentation names our Distro and Configurator: the app's path comes first."""
    env = {**clean_env(), **operator_env(pod, {"PYTHONPATH": str(pod / "app")}, "http://x")}
    for name in ("OTEL_PYTHON_DISTRO", "OTEL_PYTHON_CONFIGURATOR"):
        del env[name]
    env.update(OTEL_TRACES_EXPORTER="none", OTEL_METRICS_EXPORTER="none", OTEL_LOGS_EXPORTER="none")
    result = subprocess.run(
        [sys.executable, "-c", "pass"], env=env, capture_output=True, text=True, check=True
    )
    assert "Configuration of huleedu_configurator not loaded" in result.stderr


def test_the_telemetry_half_needs_nothing_from_the_application(pod: Path) -> None:
    """Without site-packages (``-S``), the launcher and every exporter import from the volume."""
    volume = pod / "otel-auto-instrumentation-python"
    modules = [
        "opentelemetry.instrumentation.auto_instrumentation",
        "opentelemetry.sdk.trace",
        "opentelemetry.exporter.otlp.proto.http.trace_exporter",
        "opentelemetry.exporter.otlp.proto.grpc.trace_exporter",
        "opentelemetry.exporter.prometheus",
        "opentelemetry.instrumentation.system_metrics",
        "wrapt",
    ]
    result = subprocess.run(
        [sys.executable, "-S", "-c", "import " + ", ".join(modules)],
        env={"PYTHONPATH": str(volume), "PATH": os.environ.get("PATH", "")},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_the_dockerfile_runs_the_same_install_for_both_libcs() -> None:
    """The image is built by the script this test runs, into the two directories the operator
    copies from, and ends on an image that has ``cp``."""
    dockerfile = (AUTOINSTRUMENTATION / "Dockerfile").read_text()
    runs = [line for line in dockerfile.splitlines() if "install.sh" in line and "RUN" in line]
    assert [r.split()[-1] for r in runs] == ["/autoinstrumentation", "/autoinstrumentation-musl"]
    stages = [line.split()[1] for line in dockerfile.splitlines() if line.startswith("FROM ")]
    assert stages[-1].startswith("busybox:")
    assert "ARG PYTHON_VERSION=3.11." in dockerfile
    assert "COPY --from=glibc /autoinstrumentation /autoinstrumentation" in dockerfile
    assert "COPY --from=musl /autoinstrumentation-musl /autoinstrumentation-musl" in dockerfile


def test_the_image_installs_only_declared_dependencies() -> None:
    """Each package the image adds is one of the wheel's dependencies (so constraints pin it)."""
    import tomllib

    declared = {
        dep.split(">")[0].split("<")[0].split("[")[0].strip().lower()
        for dep in tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"][
            "dependencies"
        ]
    }
    lines = (AUTOINSTRUMENTATION / "requirements.txt").read_text().splitlines()
    wanted = {line.strip().lower() for line in lines if line.strip() and not line.startswith("#")}
    assert wanted - declared == set()
    assert wanted & FRAMEWORKS == set()
