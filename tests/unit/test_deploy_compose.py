"""infra/docker-compose.yml: valid Compose, every role a real `telltale` command, ordered start, documented settings."""

from __future__ import annotations

import re
import shlex
from typing import Any

import pytest
import yaml
from compose_spec import PyCompose

from telltale_server.schemas.settings import Settings
from telltale_server.services.cli.main import parser
from tests.support.server import ROOT

COMPOSE = ROOT / "infra" / "docker-compose.yml"
ENV_EXAMPLE = ROOT / "infra" / ".env.example"
VARIABLE = re.compile(r"\$\{(\w+)(?:(:-|:\?)([^}]*))?\}")
TELLTALE_ROLES = {"migrate", "api", "evaluate", "store", "jobs"}
SECRETS = {"CLICKHOUSE_PASSWORD", "TELLTALE_INIT_INGEST_KEY", "TELLTALE_INIT_ADMIN_KEY", "GRAFANA_ADMIN_PASSWORD"}


def documented() -> dict[str, tuple[str, str]]:
    """The .env.example variables: name -> (value, the comment line right above it)."""
    lines = ENV_EXAMPLE.read_text().splitlines()
    found = {}
    for index, line in enumerate(lines):
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            found[name] = (value, lines[index - 1] if index else "")
    return found


def interpolate(node: Any, env: dict[str, str]) -> Any:
    """Compose's variable substitution on the parsed file (values stay strings, as Compose does it)."""

    def one(match: re.Match[str]) -> str:
        name, operator, argument = match[1], match[2], match[3]
        value = env.get(name, "")
        if operator == ":?" and not value:
            raise ValueError(f"{name} is required: {argument}")
        return value or (argument if operator == ":-" else "")

    if isinstance(node, dict):
        return {key: interpolate(value, env) for key, value in node.items()}
    if isinstance(node, list):
        return [interpolate(value, env) for value in node]
    if isinstance(node, str):
        return VARIABLE.sub(one, node).replace("$$", "$")
    return node


def filled_env() -> dict[str, str]:
    """.env.example with its empty secrets filled in, as a user would."""
    return {name: value or f"{name.lower()}-0123456789abcdef" for name, (value, _) in documented().items()}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return interpolate(yaml.safe_load(COMPOSE.read_text()), filled_env())


def test_follows_the_compose_specification(compose: dict[str, Any]) -> None:
    parsed = PyCompose.from_yaml(yaml.safe_dump(compose))
    assert set(parsed.service_names()) == TELLTALE_ROLES | {"kafka", "clickhouse", "grafana"}


def test_the_specification_check_catches_mistakes() -> None:
    for broken in (
        "services:\n  a:\n    imag: x\n",
        "services:\n  a:\n    image: x\n    depends_on:\n      b:\n        condition: when_ready\n",
        "services:\n  a:\n    image: x\n    healthcheck:\n      test: [CMD, x]\n      interval: often\n",
    ):
        with pytest.raises(ValueError):
            PyCompose.from_yaml(broken)


def test_missing_secrets_stop_compose_before_anything_starts() -> None:
    env = filled_env()
    for secret in SECRETS:
        with pytest.raises(ValueError, match=secret):
            interpolate(yaml.safe_load(COMPOSE.read_text()), {**env, secret: ""})


def test_every_service_has_an_image_and_the_roles_run_real_commands(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name, service in services.items():
        assert service.get("image"), name
        if name not in TELLTALE_ROLES:
            assert ":" in service["image"] and not service["image"].endswith(":latest"), f"{name}: pin the image"
    for role in TELLTALE_ROLES:
        service = services[role]
        assert service["build"] == {"context": "..", "dockerfile": "infra/Dockerfile"}
        args = parser().parse_args(service["command"])
        assert args.command in {"api", "worker", "jobs", "migrate"}, role
    assert services["evaluate"]["command"] == ["worker", "--roles", "evaluate"]
    assert services["store"]["command"] == ["worker", "--roles", "store"]
    assert services["evaluate"]["deploy"]["replicas"] >= 2


def test_start_order_is_enforced_by_health(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name, service in services.items():
        for target, rule in service.get("depends_on", {}).items():
            assert target in services, f"{name} depends on unknown {target}"
            if rule["condition"] == "service_healthy":
                assert services[target].get("healthcheck", {}).get("test"), f"{target} has no healthcheck"
    assert services["migrate"]["depends_on"] == {
        "kafka": {"condition": "service_healthy"},
        "clickhouse": {"condition": "service_healthy"},
    }
    assert services["migrate"]["restart"] == "no"
    for role in TELLTALE_ROLES - {"migrate"}:
        assert services[role]["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}, role
    assert services["grafana"]["depends_on"] == {"clickhouse": {"condition": "service_healthy"}}


def test_kafka_and_clickhouse_keep_their_data(compose: dict[str, Any]) -> None:
    services = compose["services"]
    kafka_env = services["kafka"]["environment"]
    assert kafka_env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert services["kafka"]["image"].startswith("apache/kafka:")
    assert services["clickhouse"]["image"].startswith("clickhouse/clickhouse-server:")
    for service, path in (("kafka", kafka_env["KAFKA_LOG_DIRS"]), ("clickhouse", "/var/lib/clickhouse")):
        volumes = [volume.split(":") for volume in services[service]["volumes"]]
        assert any(target == path and source in compose["volumes"] for source, target, *_ in volumes), service


def test_passwords_come_from_the_environment() -> None:
    raw = yaml.safe_load(COMPOSE.read_text())["services"]
    assert raw["clickhouse"]["environment"]["CLICKHOUSE_PASSWORD"].startswith("${CLICKHOUSE_PASSWORD:?")
    assert raw["grafana"]["environment"]["GF_SECURITY_ADMIN_PASSWORD"].startswith("${GRAFANA_ADMIN_PASSWORD:?")
    assert "${CLICKHOUSE_PASSWORD:?" in raw["migrate"]["environment"]["TELLTALE_CLICKHOUSE_URL"]
    for secret in SECRETS:
        assert documented()[secret][0] == "", f"{secret} must not have a value in .env.example"


def test_every_variable_is_documented_in_env_example() -> None:
    used = {match[1] for match in VARIABLE.finditer(COMPOSE.read_text())}
    docs = documented()
    assert used - set(docs) == set(), "used by compose but not in .env.example"
    assert set(docs) - used == set(), "in .env.example but not used by compose"
    for name, (_, comment) in docs.items():
        assert comment.startswith("# ") and len(comment) > 10, f"{name} has no comment line above it"


def test_telltale_variables_are_real_settings(compose: dict[str, Any]) -> None:
    known = {f"TELLTALE_{name.upper()}" for name in Settings.model_fields}
    for role in TELLTALE_ROLES:
        names = {name for name in compose["services"][role]["environment"] if name.startswith("TELLTALE_")}
        assert names - known == set(), role
    for healthcheck in (compose["services"]["api"]["healthcheck"]["test"],):
        assert shlex.join(healthcheck[1:]) == "python /app/infra/docker/healthcheck.py"


def test_grafana_gets_the_plugin_and_the_dashboards_folder(compose: dict[str, Any]) -> None:
    grafana = compose["services"]["grafana"]
    assert "grafana-clickhouse-datasource" in grafana["environment"]["GF_INSTALL_PLUGINS"]
    mounts = {target: source for source, target, *_ in (volume.split(":") for volume in grafana["volumes"])}
    assert mounts["/etc/telltale/grafana"] == "../dashboards/grafana"
    assert grafana["environment"]["GF_PATHS_PROVISIONING"] == "/etc/telltale/grafana/provisioning"
    folder = (COMPOSE.parent / "../dashboards/grafana").resolve()
    assert folder == ROOT / "dashboards" / "grafana"
    provisioning = folder / "provisioning"
    for path in provisioning.rglob("*.yaml"):
        text = path.read_text()
        for name in re.findall(r"\$(\w+)", text):
            assert name in grafana["environment"], f"{path.name} reads ${name}, which compose does not set"
        for provider in yaml.safe_load(text).get("providers", []):
            inside = provider["options"]["path"].removeprefix("/etc/telltale/grafana/")
            assert list((folder / inside).glob("*.json")), f"no dashboards where {path.name} looks"
    assert {path.parent.name for path in provisioning.rglob("*.yaml")} >= {"datasources", "dashboards"}
