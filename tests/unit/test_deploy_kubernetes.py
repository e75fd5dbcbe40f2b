"""infra/k8s: every manifest passes the Kubernetes JSON schemas (strict, offline) and runs a real `telltale` role."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from telltale_server.schemas import topics
from telltale_server.schemas.settings import Settings
from telltale_server.services.cli.main import parser
from tests.support.server import ROOT

K8S = ROOT / "infra" / "k8s"
KUBERNETES_VERSION = "1.37.0"
MANIFESTS = sorted(path for path in K8S.glob("*.yaml") if path.name != "kustomization.yaml")


def documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def resources() -> dict[tuple[str, str], dict[str, Any]]:
    """(kind, name) -> resource, over every manifest."""
    return {(doc["kind"], doc["metadata"]["name"]): doc for path in MANIFESTS for doc in documents(path)}


def pod_spec(resource: dict[str, Any]) -> dict[str, Any]:
    return resource["spec"]["template"]["spec"]


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda path: path.name)
def test_manifest_passes_the_kubernetes_schema(path: Path) -> None:
    for doc in documents(path):
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_the_schema_check_catches_mistakes() -> None:
    deployment = resources()[("Deployment", "telltale-api")]
    broken = yaml.safe_load(yaml.safe_dump(deployment))
    broken["spec"]["replicas"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)
    typo = yaml.safe_load(yaml.safe_dump(deployment))
    pod_spec(typo)["containers"][0]["livenesProbe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(typo, KUBERNETES_VERSION, strict=True)


def test_kustomization_applies_every_manifest_but_the_secret_example() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    expected = {path.name for path in MANIFESTS} - {"secret.example.yaml"}
    assert set(kustomization["resources"]) == expected
    assert [image["name"] for image in kustomization["images"]] == ["telltale"]


def test_each_role_runs_a_real_command_with_probes_resources_and_no_root() -> None:
    found = resources()
    workloads = {
        ("Job", "telltale-migrate"): "migrate",
        ("Deployment", "telltale-api"): "api",
        ("Deployment", "telltale-evaluate"): "worker",
        ("Deployment", "telltale-store"): "worker",
        ("Deployment", "telltale-jobs"): "jobs",
    }
    assert {key for key in found if key[0] in ("Job", "Deployment")} == set(workloads)
    for key, command in workloads.items():
        spec = pod_spec(found[key])
        assert spec["securityContext"]["runAsNonRoot"] is True
        [container] = spec["containers"]
        assert container["image"] == "telltale"
        assert parser().parse_args(container["args"]).command == command
        assert container["resources"]["requests"]["cpu"] and container["resources"]["requests"]["memory"]
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        mounts = {mount["mountPath"] for mount in container["volumeMounts"]}
        assert {"/var/lib/telltale", "/tmp"} <= mounts, "writable data dir and tmp on a read-only root"
        sources = [next(iter(source.values()))["name"] for source in container["envFrom"]]
        assert sources == ["telltale", "telltale"]
        if key[0] == "Deployment":
            assert container["livenessProbe"]["httpGet"]["path"] in ("/health", "/metrics")
    assert pod_spec(found[("Deployment", "telltale-evaluate")])["containers"][0]["args"][-1] == "evaluate"
    assert pod_spec(found[("Deployment", "telltale-store")])["containers"][0]["args"][-1] == "store"
    api = pod_spec(found[("Deployment", "telltale-api")])["containers"][0]
    assert api["readinessProbe"]["httpGet"]["path"] == "/ready"
    service = found[("Service", "telltale-api")]
    assert service["spec"]["selector"] == found[("Deployment", "telltale-api")]["spec"]["selector"]["matchLabels"]


def test_evaluate_workers_scale_on_cpu_up_to_the_partitions() -> None:
    hpa = resources()[("HorizontalPodAutoscaler", "telltale-evaluate")]
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "telltale-evaluate"}
    [metric] = hpa["spec"]["metrics"]
    assert metric["resource"]["name"] == "cpu"
    assert hpa["spec"]["maxReplicas"] <= topics.INFERENCE.partitions


def test_configmap_and_secret_hold_only_real_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    known = {f"TELLTALE_{name.upper()}" for name in Settings.model_fields}
    found = resources()
    environment = {**found[("ConfigMap", "telltale")]["data"], **found[("Secret", "telltale")]["stringData"]}
    assert set(environment) <= known
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    assert settings.clickhouse_url and settings.clickhouse_url.startswith("http")
    assert settings.clickhouse_cluster == "{cluster}" and settings.evaluators is None
