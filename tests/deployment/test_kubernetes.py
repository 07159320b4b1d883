"""``deploy/kubernetes``: every manifest validates offline, and the tiers fit together.

Built-in kinds are checked against the Kubernetes JSON schemas that ``kubernetes-validate``
ships (strict: unknown fields fail), the ``Instrumentation`` against the operator CRD's schema
(vendored in ``data/``), and each collector config against the component list of the pinned
collector-contrib release.
"""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import kubernetes_validate
import pytest
import yaml

from tests.conftest import REPO_ROOT
from tests.deployment.test_autoinstrumentation import EXAMPLE_APP

KUBERNETES = REPO_ROOT / "deploy" / "kubernetes"
DATA = Path(__file__).with_name("data")
#: The newest Kubernetes release whose schemas kubernetes-validate ships.
KUBERNETES_VERSION = "1.37"
COMPONENTS: dict[str, Any] = yaml.safe_load((DATA / "otelcol-contrib-components.yaml").read_text())
INSTRUMENTATION_SCHEMA: dict[str, Any] = yaml.safe_load(
    (DATA / "instrumentation-v1alpha1.schema.yaml").read_text()
)
KINDS = ("receivers", "processors", "exporters", "connectors", "extensions")


def _resources() -> list[dict[str, Any]]:
    kustomization = yaml.safe_load((KUBERNETES / "kustomization.yaml").read_text())
    return [
        doc
        for path in kustomization["resources"]
        for doc in yaml.safe_load_all((KUBERNETES / path).read_text())
        if doc
    ]


RESOURCES = _resources()


def _named(kind: str, name: str) -> dict[str, Any]:
    (found,) = [r for r in RESOURCES if (r["kind"], r["metadata"]["name"]) == (kind, name)]
    return found


def _collector_configs() -> dict[str, dict[str, Any]]:
    return {
        r["metadata"]["name"]: yaml.safe_load(r["data"]["config.yaml"])
        for r in RESOURCES
        if r["kind"] == "ConfigMap" and "config.yaml" in r["data"]
    }


CONFIGS = _collector_configs()


def _validate(resource: dict[str, Any]) -> None:
    if resource["kind"] == "Instrumentation":
        jsonschema.Draft202012Validator(INSTRUMENTATION_SCHEMA).validate(resource)
    else:
        kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)


def test_kustomization_lists_every_manifest() -> None:
    listed = set(yaml.safe_load((KUBERNETES / "kustomization.yaml").read_text())["resources"])
    on_disk = {
        str(p.relative_to(KUBERNETES))
        for p in KUBERNETES.rglob("*.yaml")
        if p.name != "kustomization.yaml"
    }
    assert listed == on_disk


@pytest.mark.parametrize(
    "resource", RESOURCES, ids=[f"{r['kind']}/{r['metadata']['name']}" for r in RESOURCES]
)
def test_every_manifest_validates_against_its_schema(resource: dict[str, Any]) -> None:
    _validate(resource)


def test_the_validators_reject_unknown_fields() -> None:
    """Both validators really validate: a misspelt field fails each."""
    deployment = copy.deepcopy(_named("Deployment", "essay-service"))
    deployment["spec"]["template"]["spec"]["containers"][0]["comand"] = ["x"]
    with pytest.raises(kubernetes_validate.ValidationError):
        _validate(deployment)
    instrumentation = copy.deepcopy(_named("Instrumentation", "huleedu-python"))
    instrumentation["spec"]["python"]["imagee"] = "x"
    with pytest.raises(jsonschema.ValidationError):
        _validate(instrumentation)


def test_the_validated_kubernetes_release_is_current() -> None:
    latest = kubernetes_validate.utils.latest_version()
    assert kubernetes_validate.utils.major_minor(latest) == KUBERNETES_VERSION


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_collector_configs_use_only_components_of_the_pinned_release(name: str) -> None:
    config = CONFIGS[name]
    unknown = {
        kind: sorted(c for c in config.get(kind, {}) if c.split("/")[0] not in COMPONENTS[kind])
        for kind in KINDS
    }
    assert {k: v for k, v in unknown.items() if v} == {}


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_collector_pipelines_are_wired(name: str) -> None:
    """Every name a pipeline uses is defined; memory_limiter first, batch last."""
    config = CONFIGS[name]
    connectors = set(config.get("connectors", {}))
    for pipeline in config["service"]["pipelines"].values():
        for kind in ("receivers", "processors", "exporters"):
            assert set(pipeline.get(kind, [])) - set(config[kind]) - connectors == set()
        assert (pipeline["processors"][0], pipeline["processors"][-1]) == (
            "memory_limiter",
            "batch",
        )
    assert config["service"]["extensions"] == ["health_check"]


def test_collector_images_are_the_pinned_release() -> None:
    images = {
        c["image"]
        for r in RESOURCES
        if r["kind"] in {"Deployment", "DaemonSet"}
        for c in r["spec"]["template"]["spec"]["containers"]
        if "collector" in c["name"]
    }
    assert images == {f"otel/opentelemetry-collector-contrib:{COMPONENTS['release']}"}


def _host_port(endpoint: str) -> tuple[str, int]:
    parts = urlsplit(endpoint if "://" in endpoint else f"//{endpoint}")
    assert parts.hostname is not None
    assert parts.port is not None
    return parts.hostname, parts.port


def _service_port(host: str, port: int) -> dict[str, Any]:
    """The Service behind ``name.namespace.svc.cluster.local:port``."""
    name, namespace = host.split(".")[:2]
    service = _named("Service", name)
    assert service["metadata"]["namespace"] == namespace
    assert port in {p["port"] for p in service["spec"]["ports"]}
    return service


def test_pods_send_to_the_agent_on_their_own_node_over_http() -> None:
    spec = _named("Instrumentation", "huleedu-python")["spec"]
    service = _service_port(*_host_port(spec["exporter"]["endpoint"]))
    assert _host_port(spec["exporter"]["endpoint"])[1] == 4318  # the operator's http/protobuf
    assert service["spec"]["internalTrafficPolicy"] == "Local"
    assert _named("DaemonSet", service["metadata"]["name"])


def test_the_agent_adds_kubernetes_attributes_and_forwards_to_the_gateway() -> None:
    agent = CONFIGS["otel-agent"]
    assert all("k8sattributes" in p["processors"] for p in agent["service"]["pipelines"].values())
    assert agent["processors"]["k8sattributes"]["filter"]["node_from_env_var"] == "K8S_NODE_NAME"
    _service_port(*_host_port(agent["exporters"]["otlp/gateway"]["endpoint"]))


def test_the_gateway_routes_traces_by_trace_id_to_the_sampling_tier() -> None:
    gateway = CONFIGS["otel-gateway"]
    balancing = gateway["exporters"]["loadbalancing"]
    assert balancing["routing_key"] == "traceID"
    dns = balancing["resolver"]["dns"]
    service = _service_port(dns["hostname"], dns["port"])
    assert service["spec"]["clusterIP"] == "None"  # headless: DNS returns every sampler pod
    assert "loadbalancing" in gateway["service"]["pipelines"]["traces"]["exporters"]


def test_the_sampler_keeps_every_error_and_every_slow_trace() -> None:
    policies = {
        p["type"]: p for p in CONFIGS["otel-sampler"]["processors"]["tail_sampling"]["policies"]
    }
    assert policies["status_code"]["status_code"]["status_codes"] == ["ERROR"]
    assert policies["latency"]["latency"]["threshold_ms"] > 0
    # policies are OR-ed: the probabilistic baseline cannot drop an error or a slow trace
    assert set(policies) == {"status_code", "latency", "probabilistic"}


def test_the_gateway_sends_logs_to_loki_over_otlp_and_serves_metrics() -> None:
    gateway = CONFIGS["otel-gateway"]
    (exporter,) = gateway["service"]["pipelines"]["logs"]["exporters"]
    assert exporter.startswith("otlphttp/")
    assert urlsplit(gateway["exporters"][exporter]["endpoint"]).path == "/otlp"
    annotations = _named("Deployment", "otel-gateway")["spec"]["template"]["metadata"][
        "annotations"
    ]
    assert annotations["prometheus.io/port"] == gateway["exporters"]["prometheus"]["endpoint"][-4:]


def test_the_example_service_is_injected_and_scraped() -> None:
    """The annotation names our Instrumentation; plain hypercorn with workers; /metrics scraped."""
    deployment = _named("Deployment", "essay-service")
    pod = deployment["spec"]["template"]
    instrumentation = _named("Instrumentation", "huleedu-python")
    assert (
        pod["metadata"]["annotations"]["instrumentation.opentelemetry.io/inject-python"]
        == (instrumentation["metadata"]["name"])
    )
    assert deployment["metadata"]["namespace"] == instrumentation["metadata"]["namespace"]
    (container,) = pod["spec"]["containers"]
    assert (container["command"][0], container["command"][-1]) == ("hypercorn", EXAMPLE_APP)
    assert "--workers" in container["command"]
    env = {e["name"]: e["value"] for e in instrumentation["spec"]["python"]["env"]}
    assert (
        pod["metadata"]["annotations"]["prometheus.io/port"] == env["OTEL_EXPORTER_PROMETHEUS_PORT"]
    )
    assert int(env["OTEL_EXPORTER_PROMETHEUS_PORT"]) in {
        p["containerPort"] for p in container["ports"]
    }


def test_the_instrumentation_image_is_this_release() -> None:
    version = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["version"]
    image = _named("Instrumentation", "huleedu-python")["spec"]["python"]["image"]
    assert image.endswith(f"/autoinstrumentation-python:{version}")


def test_every_service_selects_a_workload() -> None:
    pod_labels = [
        r["spec"]["template"]["metadata"]["labels"]
        for r in RESOURCES
        if r["kind"] in {"Deployment", "DaemonSet"}
    ]
    for service in (r for r in RESOURCES if r["kind"] == "Service"):
        selector = service["spec"]["selector"].items()
        assert any(selector <= labels.items() for labels in pod_labels), service["metadata"]
