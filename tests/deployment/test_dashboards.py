"""Grafana provisioning: every dashboard query parses and uses only the contract's names."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import IN_CI, REPO_ROOT
from tests.deployment._contract import known_series

GRAFANA = REPO_ROOT / "collector-config" / "grafana"
DASHBOARDS = sorted((GRAFANA / "dashboards").glob("*.json"))
_NOT_METRICS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless",
    "bool", "offset", "le", "inf", "nan", "e",
}  # fmt: skip


def _expressions(datasource: str = "prometheus") -> list[tuple[str, str]]:
    """(panel title, query) of every target on ``datasource`` (PromQL, or LogQL for loki)."""
    return [
        (panel["title"], target["expr"])
        for path in DASHBOARDS
        for panel in json.loads(path.read_text())["panels"]
        for target in panel.get("targets", [])
        if target.get("datasource", panel.get("datasource", {})).get("uid") == datasource
    ]


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression selects (labels, functions and numbers removed)."""
    stripped = re.sub(r'"(?:[^"\\]|\\.)*"', "", expr)
    stripped = re.sub(r"\{[^}]*\}|\[[^\]]*\]", " ", stripped)
    stripped = re.sub(r"\b(?:by|without|on|ignoring)\s*\([^)]*\)", " ", stripped)
    names = re.findall(r"(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\w:])(?!\s*\()", stripped)
    return {n for n in names if n.lower() not in _NOT_METRICS}


def test_there_is_a_dashboard_for_each_area() -> None:
    """HTTP, errors, the DB pool, Kafka throughput and lag, breakers and idempotency: panels."""
    queries = " ".join(expr for _, expr in _expressions())
    for needle in (
        "http_server_request_duration_seconds",
        "db_client_connection_count",
        "messaging_client_sent_messages_total",
        "messaging_kafka_consumer_lag",
        "circuit_breaker_state",
        "idempotency_messages_total",
        "huleedu_outbox_pending",
        "huleedu_outbox_delay_seconds_bucket",
        "huleedu_errors_total",
    ):
        assert needle in queries


def test_every_query_uses_only_contract_names() -> None:
    unknown = {title: sorted(metric_names(expr) - known_series()) for title, expr in _expressions()}
    assert {t: names for t, names in unknown.items() if names} == {}


def test_metric_name_extraction_ignores_labels_functions_and_keywords() -> None:
    expr = 'histogram_quantile(0.95, sum by (le, route) (rate(a_b_bucket{x="y"}[5m]))) / on(job) c'
    assert {"a_b_bucket", "c"} == metric_names(expr)


def test_every_query_parses_with_promtool(tmp_path: Path) -> None:
    """Each expression, as a recording rule, passes ``promtool check rules``."""
    promtool = shutil.which("promtool")
    if promtool is None:
        if IN_CI:
            pytest.fail("promtool is missing; .ci/run installs Debian's prometheus package")
        pytest.skip("promtool not installed (apt-get install prometheus)")
    rules = {
        "groups": [
            {
                "name": "dashboard-queries",
                "rules": [
                    {"record": f"dashboard:query_{i}", "expr": expr}
                    for i, (_, expr) in enumerate(_expressions())
                ],
            }
        ]
    }
    path = tmp_path / "rules.yml"
    path.write_text(yaml.safe_dump(rules))
    result = subprocess.run([promtool, "check", "rules", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_provisioning_points_grafana_at_prometheus_jaeger_and_loki() -> None:
    datasources = _datasources()
    assert {(d["uid"], d["type"]) for d in datasources.values()} == {
        ("prometheus", "prometheus"),
        ("jaeger", "jaeger"),
        ("loki", "loki"),
    }
    used = {
        panel["datasource"]["uid"]
        for path in DASHBOARDS
        for panel in json.loads(path.read_text())["panels"]
        if "datasource" in panel
    }
    assert used <= set(datasources)


def _datasources() -> dict[str, dict[str, Any]]:
    """The provisioned datasources by uid, as Grafana reads them (``$$`` is a literal ``$``)."""
    raw = (GRAFANA / "provisioning" / "datasources" / "datasources.yaml").read_text()
    unexpanded = re.findall(r"(?<!\$)\$\{", raw)  # Grafana would expand these from env
    assert unexpanded == []
    datasources = yaml.safe_load(raw.replace("$$", "$"))["datasources"]
    return {d["uid"]: d for d in datasources}


def test_a_log_lines_trace_id_opens_the_trace_in_jaeger() -> None:
    """The derived field matches the OTLP ``trace_id`` metadata and links to Jaeger by value."""
    (field,) = _datasources()["loki"]["jsonData"]["derivedFields"]
    assert (field["matcherType"], field["matcherRegex"]) == ("label", "trace_id")
    assert (field["datasourceUid"], field["url"]) == ("jaeger", "${__value.raw}")


def test_a_span_opens_its_logs_in_loki() -> None:
    """Jaeger's trace-to-logs query selects the span's service and filters on its trace id."""
    link = _datasources()["jaeger"]["jsonData"]["tracesToLogsV2"]
    assert (link["datasourceUid"], link["customQuery"]) == ("loki", True)
    assert '{service_name="${__span.tags["service.name"]}"}' in link["query"]
    assert '| trace_id="${__trace.traceId}"' in link["query"]


#: The stream labels Loki's OTLP ingestion makes from resource attributes (its defaults).
_LOKI_OTLP_LABELS = {"service_name", "service_namespace", "deployment_environment"}


def test_the_dashboard_has_a_logs_panel_on_loki() -> None:
    panels = [p for path in DASHBOARDS for p in json.loads(path.read_text())["panels"]]
    assert [p["datasource"]["uid"] for p in panels if p["type"] == "logs"] == ["loki"]
    queries = [expr for _, expr in _expressions("loki")]
    assert queries
    for expr in queries:
        selector = re.fullmatch(r"\{(.+?)\}.*", expr)
        assert selector is not None, expr
        matchers = [
            re.fullmatch(r'(\w+)(=~|!~|!=|=)"(.*)"', m.strip()) for m in selector[1].split(",")
        ]
        assert all(matchers), expr
        assert {m[1] for m in matchers if m} <= _LOKI_OTLP_LABELS
        # Loki refuses a selector whose every matcher also matches the empty string
        assert any(m and not re.fullmatch(m[3], "") for m in matchers if m[2] in {"=", "=~"})


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_panel_ids_are_unique_and_panels_do_not_overlap(path: Path) -> None:
    """Grafana keys panels by id, and stacks overlapping grid positions unpredictably."""
    panels = json.loads(path.read_text())["panels"]
    ids = [panel["id"] for panel in panels]
    assert len(ids) == len(set(ids)), sorted(ids)
    cells: dict[tuple[int, int], str] = {}
    for panel in panels:
        grid = panel["gridPos"]
        for x in range(grid["x"], grid["x"] + grid["w"]):
            for y in range(grid["y"], grid["y"] + grid["h"]):
                assert (x, y) not in cells, (panel["title"], cells[(x, y)])
                cells[(x, y)] = panel["title"]


def test_latency_panels_show_exemplars_that_open_jaeger() -> None:
    """Every percentile panel asks for exemplars, and the Prometheus datasource links an
    exemplar's ``trace_id`` to the Jaeger datasource."""
    latency = [
        target
        for dashboard in DASHBOARDS
        for panel in json.loads(dashboard.read_text())["panels"]
        for target in panel.get("targets", [])
        if "histogram_quantile" in target.get("expr", "")
    ]
    assert latency
    assert all(target.get("exemplar") is True for target in latency)
    (link,) = _datasources()["prometheus"]["jsonData"]["exemplarTraceIdDestinations"]
    assert (link["name"], link["datasourceUid"]) == ("trace_id", "jaeger")
