"""``docker-compose.yml``: valid for Compose itself, pinned, loopback-only, healthy start order."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import compose
import pytest

from tests.conftest import REPO_ROOT

COMPOSE_BIN = Path(compose.__file__).parent / "docker-compose"
EXPECTED_SERVICES = {
    "otel-collector", "jaeger", "prometheus", "grafana", "loki", "kafka", "redis", "postgres",
    "example-service", "example-consumer",
}  # fmt: skip


def _compose(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(COMPOSE_BIN), "-f", str(REPO_ROOT / "docker-compose.yml"), *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO_ROOT,
    )


@pytest.fixture(scope="module")
def resolved() -> dict[str, Any]:
    result = _compose("config", "--format", "json")
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


def test_compose_accepts_the_file() -> None:
    """Compose's own validator (the binary, not its wrapper, which always exits 0)."""
    result = _compose("config", "--quiet")
    assert (result.returncode, result.stderr) == (0, "")


def test_compose_rejects_a_broken_file(tmp_path: Path) -> None:
    """The validator really validates: an unknown key fails."""
    broken = tmp_path / "docker-compose.yml"
    broken.write_text("services:\n  x:\n    image: redis:7\n    not_a_key: 1\n")
    result = subprocess.run(
        [str(COMPOSE_BIN), "-f", str(broken), "config", "--quiet"], capture_output=True, text=True
    )
    assert result.returncode != 0


def test_the_stack_has_every_service(resolved: dict[str, Any]) -> None:
    assert set(resolved["services"]) == EXPECTED_SERVICES


def test_images_are_pinned(resolved: dict[str, Any]) -> None:
    images = {n: s["image"] for n, s in resolved["services"].items() if "image" in s}
    unpinned = {n: i for n, i in images.items() if ":" not in i or i.endswith(":latest")}
    assert unpinned == {}


def test_ports_are_published_on_loopback_only(resolved: dict[str, Any]) -> None:
    exposed = [
        (name, port.get("host_ip"))
        for name, service in resolved["services"].items()
        for port in service.get("ports", [])
        if port.get("host_ip") != "127.0.0.1"
    ]
    assert exposed == []


def test_services_wait_for_healthy_infrastructure(resolved: dict[str, Any]) -> None:
    services = resolved["services"]
    for infra in ("kafka", "redis", "postgres"):
        assert "healthcheck" in services[infra]
    for app in ("example-service", "example-consumer"):
        deps = services[app]["depends_on"]
        assert {deps[i]["condition"] for i in ("kafka", "redis", "postgres")} == {"service_healthy"}


def test_example_runs_under_the_launcher(resolved: dict[str, Any]) -> None:
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    assert '"opentelemetry-instrument", "hypercorn"' in dockerfile
    consumer = resolved["services"]["example-consumer"]["command"]
    assert consumer[0] == "opentelemetry-instrument"
    env = resolved["services"]["example-service"]["environment"]
    assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://otel-collector:4317"


def test_kafka_runs_in_kraft_mode(resolved: dict[str, Any]) -> None:
    env = resolved["services"]["kafka"]["environment"]
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert resolved["services"]["kafka"]["image"].startswith("apache/kafka:")


def test_prometheus_keeps_exemplars(resolved: dict[str, Any]) -> None:
    """Without exemplar storage Prometheus drops the exemplars /metrics serves."""
    assert "--enable-feature=exemplar-storage" in resolved["services"]["prometheus"]["command"]
