"""The collector config, checked structurally (no collector binary can run here)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO_ROOT

CONFIG: dict[str, Any] = yaml.safe_load(
    (REPO_ROOT / "collector-config" / "otel-collector.yaml").read_text()
)
COMPONENTS: dict[str, Any] = yaml.safe_load(
    (Path(__file__).with_name("data") / "otelcol-contrib-components.yaml").read_text()
)
PIPELINES: dict[str, dict[str, list[str]]] = CONFIG["service"]["pipelines"]


def test_three_pipelines_traces_metrics_logs() -> None:
    assert set(PIPELINES) == {"traces", "metrics", "logs"}


@pytest.mark.parametrize("section", ["receivers", "processors", "exporters"])
def test_every_pipeline_component_is_defined(section: str) -> None:
    """A name in a pipeline that is not defined (or only as a connector) stops the collector."""
    defined = set(CONFIG.get(section, {})) | set(CONFIG.get("connectors", {}))
    used = {name for pipeline in PIPELINES.values() for name in pipeline.get(section, [])}
    assert used - defined == set()


def test_connectors_are_exported_by_one_pipeline_and_received_by_another() -> None:
    for connector in CONFIG.get("connectors", {}):
        assert any(connector in p.get("exporters", []) for p in PIPELINES.values())
        assert any(connector in p.get("receivers", []) for p in PIPELINES.values())


def test_otlp_arrives_over_grpc_and_http_on_all_interfaces() -> None:
    protocols = CONFIG["receivers"]["otlp"]["protocols"]
    assert protocols["grpc"]["endpoint"] == "0.0.0.0:4317"
    assert protocols["http"]["endpoint"] == "0.0.0.0:4318"
    assert all("otlp" in p["receivers"] for p in PIPELINES.values())


def test_memory_limiter_runs_first_and_batching_last() -> None:
    for pipeline in PIPELINES.values():
        assert pipeline["processors"][0] == "memory_limiter"
        assert pipeline["processors"][-1] == "batch"


def test_signals_reach_their_backends() -> None:
    assert "otlp/jaeger" in PIPELINES["traces"]["exporters"]
    assert "spanmetrics" in PIPELINES["traces"]["exporters"]
    assert "prometheus" in PIPELINES["metrics"]["exporters"]
    assert PIPELINES["logs"]["exporters"] == ["otlphttp/loki"]
    assert "resourcedetection" in CONFIG["processors"]


def test_health_check_listens_on_all_interfaces() -> None:
    assert CONFIG["extensions"]["health_check"]["endpoint"] == "0.0.0.0:13133"
    assert "health_check" in CONFIG["service"]["extensions"]


@pytest.mark.parametrize("section", ["receivers", "processors", "exporters", "connectors"])
def test_every_component_is_in_the_pinned_release(section: str) -> None:
    """The compose image and the Kubernetes tiers pin one contrib release; its components only."""
    unknown = [c for c in CONFIG.get(section, {}) if c.split("/")[0] not in COMPONENTS[section]]
    assert unknown == []
    compose = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
    image = compose["services"]["otel-collector"]["image"]
    assert image == f"otel/opentelemetry-collector-contrib:{COMPONENTS['release']}"
