"""Logs in a log store: the collector's logs go to Loki over OTLP, which keeps trace ids.

No Loki binary can run here; its config is checked for what OTLP ingestion needs.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import yaml

from tests.conftest import REPO_ROOT

LOKI: dict[str, Any] = yaml.safe_load((REPO_ROOT / "collector-config" / "loki.yaml").read_text())
COLLECTOR: dict[str, Any] = yaml.safe_load(
    (REPO_ROOT / "collector-config" / "otel-collector.yaml").read_text()
)
COMPOSE: dict[str, Any] = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())


def test_the_collector_sends_logs_to_lokis_otlp_endpoint() -> None:
    """``otlphttp`` appends ``/v1/logs`` to the endpoint: Loki serves it under ``/otlp``."""
    (exporter,) = COLLECTOR["service"]["pipelines"]["logs"]["exporters"]
    url = urlsplit(COLLECTOR["exporters"][exporter]["endpoint"])
    assert exporter.split("/")[0] == "otlphttp"
    assert (url.hostname, url.port, url.path) == ("loki", 3100, "/otlp")
    assert LOKI["server"]["http_listen_port"] == 3100


def test_loki_keeps_otlp_attributes_as_structured_metadata() -> None:
    """trace_id is structured metadata: allowed, and stored with the tsdb index on schema v13."""
    assert LOKI["limits_config"]["allow_structured_metadata"] is True
    (schema,) = LOKI["schema_config"]["configs"]
    assert (schema["store"], schema["schema"]) == ("tsdb", "v13")


def test_loki_runs_pinned_with_the_shipped_config() -> None:
    loki = COMPOSE["services"]["loki"]
    assert loki["image"].startswith("grafana/loki:3.")
    assert "./collector-config/loki.yaml:/etc/loki/loki.yaml:ro" in loki["volumes"]
    assert loki["command"] == ["-config.file=/etc/loki/loki.yaml"]
    assert "loki" in COMPOSE["services"]["otel-collector"]["depends_on"]
    assert "loki" in COMPOSE["services"]["grafana"]["depends_on"]
