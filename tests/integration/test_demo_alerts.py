"""A first `telltale up --demo`: its rules fire on the model and route the demo degrades and stay quiet elsewhere,
and its ordinary refusals are never called ungrounded."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from telltale_server.services.demo import corpus
from telltale_server.services.demo import rules as demo_rules
from telltale_server.services.demo.generator import FABRICATING_MODEL, LEAKING_ROUTE, OFF_TOPIC_ROUTE, OVERLOADED_MODEL
from tests.support.demo_server import start_demo
from tests.support.server import TelltaleServer

HISTORY = 3000
EXPECTED = {
    ("Ungrounded answers per model", "model", FABRICATING_MODEL),
    ("Personal data in outputs per route", "route", LEAKING_ROUTE),
    ("Error rate per model", "model", OVERLOADED_MODEL),
    ("Off-topic retrieval per route", "route", OFF_TOPIC_ROUTE),
}
"""The alerts the demo's failures should raise, and no others (its drift is off here: test_drift covers it)."""
STALL_S = 120.0


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TelltaleServer]:
    """A newcomer's first start with demo traffic; the evaluators the rules read (not the retrained safety ones)."""
    env = {
        "TELLTALE_EVALUATORS": '["usage","groundedness","safety.pii","retrieval","language"]',
        "TELLTALE_DRIFT_ENABLED": "false",
    }
    server = start_demo(tmp_path_factory.mktemp("demo") / "data", HISTORY, env)
    try:
        yield server
    finally:
        server.stop()


def _key(alert: dict[str, Any]) -> tuple[str, str, str]:
    """(rule name, group label, its value) of an alert; a rule without groups has ('', '')."""
    label, value = next(iter(alert["labels"].items()), ("", ""))
    return alert["rule_name"], label, value


def _alerts(server: TelltaleServer) -> list[dict[str, Any]]:
    with server.client() as admin:
        return admin.get("/v1/alerts").json()


def _wait_firing(server: TelltaleServer, expected: set[tuple[str, str, str]]) -> None:
    """Until every expected alert fires; fails only when the alert engine stops evaluating for STALL_S."""
    last, moved_at = None, time.monotonic()
    while True:
        alerts = _alerts(server)
        if expected <= {_key(a) for a in alerts if a["state"] == "firing"}:
            return
        newest = max((a["evaluated_at"] for a in alerts), default=None)
        if newest != last:
            last, moved_at = newest, time.monotonic()
        assert time.monotonic() - moved_at < STALL_S, f"the alert engine stopped evaluating: {alerts}"
        time.sleep(0.5)


def test_the_demo_installs_its_rules_and_monitor(demo: TelltaleServer) -> None:
    with demo.client() as admin:
        assert [m["monitor_id"] for m in admin.get("/v1/drift/monitors").json()] == ["default", "demo"]
        assert {r["name"] for r in admin.get("/v1/alert-rules").json()} == {spec.name for spec in demo_rules.RULES}


def test_rules_fire_where_the_demo_degrades_and_nowhere_else(demo: TelltaleServer) -> None:
    _wait_firing(demo, EXPECTED)
    assert {_key(a) for a in _alerts(demo) if a["state"] in ("pending", "firing")} == EXPECTED


def test_the_degraded_groups_stand_out_in_the_metrics_the_rules_read(demo: TelltaleServer) -> None:
    """The numbers behind the alerts: each degraded group above its rule's threshold, the others clear of it."""
    specs = {spec.name: spec for spec in demo_rules.RULES}
    with demo.client() as admin:
        for name, label, degraded in EXPECTED:
            spec = specs[name]
            params = {"window": f"{int(spec.window)}s", "group_by": label}
            groups = admin.get(f"/v1/metrics/{spec.metric}", params=params).json()["groups"]
            values = {g["labels"][label]: g["value"] for g in groups if g["samples"] >= spec.min_samples}
            assert values[degraded] > spec.threshold, (name, values)
            assert all(value < spec.threshold for group, value in values.items() if group != degraded), (name, values)


def test_ordinary_questions_refused_are_not_ungrounded(demo: TelltaleServer) -> None:
    refused = []
    with demo.client() as admin:
        for answer in corpus.REFUSALS:
            found = admin.get("/v1/inference", params={"q": answer, "limit": 200}).json()["items"]
            refused += [item for item in found if item["output"] == answer]
    assert {item["output"] for item in refused} == set(corpus.REFUSALS)
    for item in refused:
        assert not [pair for pair in item["labels"] if pair.startswith("groundedness.score:")], item
    with_passages = [item for item in refused if item["route"] != "chat/smalltalk"]
    assert with_passages and all("groundedness.refusal:refused" in item["labels"] for item in with_passages)


def test_the_spanish_speaking_users_are_served_worse(demo: TelltaleServer) -> None:
    """The demo's disparity: Spanish answers invent details more often, the view says so; plans are watched."""
    with demo.client() as admin:
        assert admin.get("/v1/disparity/settings").json() == {"attributes": ["plan"]}
        params = {"metric": "groundedness.ungrounded_rate", "window": "1h"}
        languages = {s["segment"]: s for s in admin.get("/v1/disparity", params=params).json()["segments"]}
        assert set(languages) == {"en", "es"}, "every demo question is told English or Spanish"
        assert languages["es"]["verdict"] == "higher" and languages["en"]["verdict"] == "lower", languages
        plans = admin.get("/v1/disparity", params={**params, "by": "plan"}).json()["segments"]
        assert {s["segment"] for s in plans} == {"free", "pro", "enterprise"}
