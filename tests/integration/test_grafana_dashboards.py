"""Every Grafana panel's SQL, with the plugin's macros and the dashboard's variables filled in, runs on a store
filled by the demo generator and returns rows; the provisioning files point at those dashboards."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import yaml

from telltale_server.schemas.settings import Settings
from telltale_server.services.alerts.loop import AlertLoop
from telltale_server.services.alerts.rules import RuleSpec, RuleStore
from telltale_server.services.metrics.catalog import Filters, Window, compute
from telltale_server.services.runtime import Runtime
from telltale_server.streams.rollups.builder import RollupBuilder
from telltale_server.streams.rollups.reader import ceil_minute, floor_minute
from tests.support.alerts import SECRET, Receiver
from tests.support.demo_store import fill_with_demo
from tests.support.grafana import Query, apply_variables, expand_macros, load, panel_queries
from tests.support.server import ROOT

GRAFANA = ROOT / "dashboards" / "grafana"
BOARDS = sorted((GRAFANA / "dashboards").glob("*.json"))
NOW = datetime.now(UTC)
START, END = NOW - timedelta(hours=2), NOW + timedelta(minutes=1)
LOOPBACK = Settings(alerts_allowed_networks=["127.0.0.0/8"])
QUERIES = [query for path in BOARDS for query in panel_queries(load(path))]


@pytest.fixture(scope="module")
def demo_project(runtime: Runtime) -> Iterator[str]:
    """Demo traffic, evaluated, and an alert that fired and was delivered to a real loopback receiver."""
    project = f"grafana-{uuid.uuid4().hex[:8]}"
    fill_with_demo(runtime, project, 200, NOW - timedelta(hours=1), NOW)
    RollupBuilder(runtime.store).build_pending(project_id=project)
    runtime.store.command("INSERT INTO projects VALUES ({p:String}, {p:String}, now64(3), now64(3), 0)", {"p": project})
    receiver = Receiver()
    rules = RuleStore(runtime.store)
    spec = {"name": "demo errors", "metric": "error.rate", "comparator": ">", "threshold": 0.0, "window": "2h"}
    spec["channels"] = [{"type": "webhook", "url": receiver.url, "secret": SECRET}]
    rule = rules.save(project, RuleSpec.model_validate({**spec, "min_samples": 1}))
    loop = AlertLoop(runtime.store, LOOPBACK)
    loop.tick(NOW)
    asyncio.run(loop.deliverer.deliver_due(NOW))
    asyncio.run(loop.deliverer.close())
    assert receiver.received, "the demo alert was not delivered"
    yield project
    rules.delete(project, rule.id)
    receiver.close()


def variable_values(runtime: Runtime, board: dict, project: str) -> dict[str, list[str]]:
    """Each variable's options from its own query, in order, as Grafana resolves them; `All` selects them all."""
    values: dict[str, list[str]] = {}
    for variable in board["templating"]["list"]:
        sql = expand_macros(apply_variables(variable["query"], values), START, END, 60)
        options = runtime.store.column(sql)
        assert options, f"variable {variable['name']} of {board['title']} has no options"
        if variable["name"] == "project":
            assert project in options
            options = [project]
        values[variable["name"]] = options
    return values


def test_there_are_dashboards_for_overview_evaluators_and_alerts() -> None:
    assert {path.stem for path in BOARDS} == {"telltale-overview", "telltale-evaluators", "telltale-alerts"}
    assert len(QUERIES) >= 20


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: f"{q.dashboard}/{q.title}")
def test_every_panel_query_runs_and_returns_rows(runtime: Runtime, demo_project: str, query: Query) -> None:
    board = next(load(path) for path in BOARDS if load(path)["title"] == query.dashboard)
    values = variable_values(runtime, board, demo_project)
    sql = expand_macros(apply_variables(query.sql, values), START, END, 60)
    assert "$" not in sql
    rows = runtime.store.rows(sql)
    assert rows, f"{query.title}: no rows on demo traffic"


def test_variables_filter_the_panels(runtime: Runtime, demo_project: str) -> None:
    board = load(GRAFANA / "dashboards" / "telltale-overview.json")
    [calls] = [q for q in panel_queries(board) if q.title == "Calls"]
    values = variable_values(runtime, board, demo_project)
    every = runtime.store.rows(expand_macros(apply_variables(calls.sql, values), START, END, 60))[0]["calls"]
    one = runtime.store.rows(expand_macros(apply_variables(calls.sql, {**values, "model": ["gpt-4o"]}), START, END, 60))
    assert every == 200 and 0 < one[0]["calls"] < every


STATS = {
    "Calls": "volume.count",
    "Error rate": "error.rate",
    "Latency p95": "latency.p95",
    "Cost": "cost.sum",
    "Groundedness": "groundedness.mean",
    "Negative feedback": "feedback.negative_rate",
}
"""The overview's stat panels and the catalog metric each one shows."""


@pytest.mark.parametrize("title", STATS)
def test_overview_panels_read_the_catalogs_numbers(runtime: Runtime, demo_project: str, title: str) -> None:
    """Grafana reads the settled rollups straight from ClickHouse; its numbers are the console's and the rules'."""
    board = load(GRAFANA / "dashboards" / "telltale-overview.json")
    [query] = [q for q in panel_queries(board) if q.title == title]
    values = variable_values(runtime, board, demo_project)
    [row] = runtime.store.rows(expand_macros(apply_variables(query.sql, values), START, END, 60))
    first, last = ceil_minute(START), floor_minute(END) + timedelta(minutes=1)  # what $__timeFilter(minute) reads
    window = Window(demo_project, last, (last - first).total_seconds(), Filters(), ())
    [sample] = compute(runtime.store, STATS[title], window)
    assert sample.value is not None and sample.samples > 0
    assert float(next(iter(row.values()))) == pytest.approx(sample.value, rel=1e-9)


def test_panels_read_rollups_not_raw_events() -> None:
    for path in BOARDS:
        for query in panel_queries(load(path)):
            if path.stem != "telltale-alerts" and query.title != "Recent flagged calls":
                assert "FROM metric_rollups FINAL" in query.sql and "inference_events" not in query.sql, query.title


def test_panels_use_the_provisioned_data_source_and_known_variables() -> None:
    [source] = yaml.safe_load((GRAFANA / "provisioning" / "datasources" / "clickhouse.yaml").read_text())["datasources"]
    assert source["type"] == "grafana-clickhouse-datasource"
    for path in BOARDS:
        board = load(path)
        names = {v["name"] for v in board["templating"]["list"]}
        assert "project" in names
        for panel in board["panels"]:
            assert panel["datasource"]["uid"] == source["uid"], panel["title"]
        for query in panel_queries(board):
            apply_variables(query.sql, {name: ["x"] for name in names})


def test_the_provider_loads_the_dashboards_folder_as_compose_mounts_it() -> None:
    [provider] = yaml.safe_load((GRAFANA / "provisioning" / "dashboards" / "telltale.yaml").read_text())["providers"]
    mount = "/etc/telltale/grafana"
    assert provider["options"]["path"] == f"{mount}/dashboards"
    compose = (ROOT / "infra" / "docker-compose.yml").read_text()
    assert f"../dashboards/grafana:{mount}" in compose and f"GF_PATHS_PROVISIONING: {mount}/provisioning" in compose


def test_macros_expand_as_the_plugin_does() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    end = start + timedelta(hours=1)
    assert (
        expand_macros("$__timeFilter(ts)", start, end, 30)
        == "ts >= toDateTime(1767225600) AND ts <= toDateTime(1767229200)"
    )
    assert (
        expand_macros("$__timeInterval(ts)", start, end, 30) == "toStartOfInterval(toDateTime(ts), INTERVAL 30 second)"
    )
    assert expand_macros("$__fromTime_ms", start, end, 30) == "fromUnixTimestamp64Milli(1767225600000)"
    with pytest.raises(ValueError, match="unknown macro"):
        expand_macros("$__nope(ts)", start, end, 30)
    assert apply_variables("m IN (${m:singlequote})", {"m": ["a", "it's"]}) == "m IN ('a','it\\'s')"


def test_dashboards_are_valid_json_with_unique_panel_ids() -> None:
    for path in BOARDS:
        board = load(path)
        ids = [panel["id"] for panel in board["panels"]]
        assert len(ids) == len(set(ids)), path.name
        assert board["uid"] == path.stem
