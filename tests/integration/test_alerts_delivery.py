"""The engine, notifier and outbox over the real embedded store, delivering to real loopback receivers.

Time is injected (`tick(now)`, `deliver_due(now)`): events are stamped around T0, no test sleeps.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import datetime

import httpx
import pytest

from telltale_server.schemas.events import InferenceEvent
from telltale_server.schemas.rows import inference_row
from telltale_server.schemas.settings import Settings
from telltale_server.services.alerts.acks import AckStore
from telltale_server.services.alerts.channels.signature import verify
from telltale_server.services.alerts.channels.transport import GuardedTransport, guarded_client
from telltale_server.services.alerts.destinations import Guard
from telltale_server.services.alerts.loop import AlertLoop
from telltale_server.services.alerts.rules import RuleSpec, RuleStore
from telltale_server.services.alerts.silences import SilenceSpec, SilenceStore
from telltale_server.services.runtime import Runtime
from telltale_server.streams.sink import Sink
from tests.support.alerts import SECRET, Receiver, at
from tests.support.network import LoopbackOnly, resolving

LOOPBACK = Settings(alerts_allowed_networks=["127.0.0.0/8"])


def calls(rt: Runtime, project: str, seconds: float, n: int, status: str = "ok", model: str = "gpt-4o") -> None:
    """n inference events of one status, stamped `seconds` after T0."""
    events = [
        InferenceEvent(event_id=uuid.uuid4(), ts=at(seconds), model=model, input="q", output="a", status=status)
        for _ in range(n)
    ]
    Sink(rt.store).inference([inference_row(project, e, at(seconds)) for e in events])


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def rules(runtime: Runtime) -> Iterator[RuleStore]:
    """The rule store; every rule a test made is deleted after it, so later loops do not evaluate it."""
    store = RuleStore(runtime.store)
    made: list[tuple[str, str]] = []
    original = store.save

    def save(project_id: str, spec: RuleSpec, rule_id: str | None = None):
        saved = original(project_id, spec, rule_id)
        made.append((project_id, saved.id))
        return saved

    store.save = save  # type: ignore[method-assign]
    yield store
    for project_id, rule_id in made:
        store.delete(project_id, rule_id)


def error_rule(url: str, **fields) -> RuleSpec:
    spec = {
        "name": "errors",
        "metric": "error.rate",
        "comparator": ">",
        "threshold": 0.5,
        "min_samples": 3,
        "window": "5m",
        "group_interval": "0s",
        "channels": [{"type": "webhook", "url": url, "secret": SECRET}],
        **fields,
    }
    return RuleSpec.model_validate(spec)


def drive(loop: AlertLoop, seconds: float, transport: httpx.AsyncBaseTransport | None = None) -> None:
    """One evaluation pass and every delivery due, at T0 + seconds (through `transport` when given)."""
    loop.tick(at(seconds))
    asyncio.run(_deliver(loop, at(seconds), transport))


async def _deliver(loop: AlertLoop, now: datetime, transport: httpx.AsyncBaseTransport | None) -> None:
    allow = loop.settings.alerts_allowed_networks
    await loop.deliverer.close()  # a client belongs to one event loop: each run gets a fresh one
    loop.deliverer.client = guarded_client(5, allow, transport)
    while any(item.status != "pending" for item in await loop.deliverer.deliver_due(now)):
        pass
    await loop.deliverer.close()


def test_crossing_sends_one_signed_firing_then_one_resolve(
    runtime: Runtime, project: str, rules: RuleStore, receiver: Receiver
) -> None:
    rules.save(project, error_rule(receiver.url))
    loop = AlertLoop(runtime.store, LOOPBACK)
    calls(runtime, project, 0, 4, "error")
    for second in (10, 11, 12):
        drive(loop, second)
    calls(runtime, project, 400, 10, "ok")
    for second in (410, 411):
        drive(loop, second)
    bodies = [r.json() for r in receiver.received]
    assert [(b["status"], [a["status"] for a in b["alerts"]]) for b in bodies] == [
        ("firing", ["firing"]),
        ("resolved", ["resolved"]),
    ]
    firing = bodies[0]["alerts"][0]
    assert (firing["value"], firing["samples"], firing["threshold"]) == (1.0, 4, 0.5)
    assert firing["query"]["metric"] == "error.rate" and firing["links"]["metric"].startswith("/v1/metrics/error.rate")
    for got in receiver.received:
        assert verify(SECRET, got.body, got.headers["telltale-signature"])
        assert got.headers["idempotency-key"] == got.json()["notification_id"]


def test_min_samples_and_group_by_label(runtime: Runtime, project: str, rules: RuleStore, receiver: Receiver) -> None:
    rules.save(project, error_rule(receiver.url, group_by=["model"]))
    loop = AlertLoop(runtime.store, LOOPBACK)
    calls(runtime, project, 0, 2, "error", model="small")
    calls(runtime, project, 0, 3, "error", model="big")
    calls(runtime, project, 0, 5, "ok", model="fine")
    drive(loop, 10)
    [body] = [r.json() for r in receiver.received]
    assert [a["labels"]["model"] for a in body["alerts"]] == ["big"], "2 samples of 'small' are below min_samples"
    assert {s.labels["model"]: s.state for s in loop.states.values() if s.project_id == project} == {"big": "firing"}


def test_receiver_down_then_back_delivers_everything_in_order_once(
    runtime: Runtime, project: str, rules: RuleStore, receiver: Receiver
) -> None:
    rules.save(project, error_rule(receiver.url))
    loop = AlertLoop(runtime.store, LOOPBACK)
    receiver.status = 503
    calls(runtime, project, 0, 4, "error")
    drive(loop, 10)
    calls(runtime, project, 400, 10, "ok")
    for second in (410, 420, 440, 480):
        drive(loop, second)
    assert receiver.received == [] and receiver.attempts >= 3
    receiver.status = 200
    drive(loop, 600)
    drive(loop, 601)
    got = [(r.headers["idempotency-key"], r.json()["status"]) for r in receiver.received]
    assert [status for _, status in got] == ["firing", "resolved"]
    assert len({key for key, _ in got}) == 2
    outbox = [i for i in loop.outbox.for_alert(project, receiver.received[0].json()["alerts"][0]["fingerprint"])]
    assert sorted(i.status for i in outbox) == ["delivered", "delivered"]


def test_restart_mid_incident_resends_nothing_and_still_resolves(
    runtime: Runtime, project: str, rules: RuleStore, receiver: Receiver
) -> None:
    rules.save(project, error_rule(receiver.url, repeat_interval="1h"))
    calls(runtime, project, 0, 4, "error")
    drive(AlertLoop(runtime.store, LOOPBACK), 10)
    restarted = AlertLoop(runtime.store, LOOPBACK)
    drive(restarted, 20)
    drive(restarted, 30)
    assert len(receiver.received) == 1
    calls(runtime, project, 400, 10, "ok")
    drive(AlertLoop(runtime.store, LOOPBACK), 410)
    assert [r.json()["status"] for r in receiver.received] == ["firing", "resolved"]


def test_silence_mutes_and_ack_stops_repeats(
    runtime: Runtime, project: str, rules: RuleStore, receiver: Receiver
) -> None:
    rule = rules.save(project, error_rule(receiver.url, repeat_interval="1m"))
    loop = AlertLoop(runtime.store, LOOPBACK)
    silence = SilenceStore(runtime.store).create(
        project, SilenceSpec(matchers=[{"name": "alertname", "value": "errors"}], starts_at=at(0), ends_at=at(60)), "t"
    )
    calls(runtime, project, 0, 4, "error")
    drive(loop, 10)
    assert receiver.received == [], f"silenced by {silence.id}"
    drive(loop, 60)
    assert len(receiver.received) == 1, "announced once the silence ended"
    drive(loop, 125)
    assert [r.json()["reason"] for r in receiver.received] == ["firing", "repeat"]
    [state] = [s for s in loop.states.values() if s.rule_id == rule.id]
    AckStore(runtime.store).ack(project, state.fingerprint, state.active_since, "oncall", "looking")
    drive(loop, 250)
    drive(loop, 400)
    assert len(receiver.received) == 2, "acknowledged: no more repeats"


def test_private_url_is_refused_without_allow_list(
    runtime: Runtime, project: str, rules: RuleStore, receiver: Receiver
) -> None:
    rules.save(project, error_rule(receiver.url))
    loop = AlertLoop(runtime.store, Settings())
    calls(runtime, project, 0, 4, "error")
    drive(loop, 10)
    assert receiver.attempts == 0
    [fingerprint] = [s.fingerprint for s in loop.states.values() if s.project_id == project]
    [item] = loop.outbox.for_alert(project, fingerprint)
    assert item.status == "failed" and item.last_error.startswith("refused:")


def test_a_name_that_turns_inward_after_the_rule_was_saved_is_refused_at_delivery(
    runtime: Runtime, project: str, rules: RuleStore, receiver: Receiver
) -> None:
    """Saved while `hooks.example.test` looked public; by delivery it resolves to a metadata address."""
    port = receiver.server.server_address[1]
    rules.save(project, error_rule(f"http://hooks.example.test:{port}/hook"))
    loop = AlertLoop(runtime.store, LOOPBACK)
    network = LoopbackOnly()
    transport = GuardedTransport(Guard(tuple(LOOPBACK.alerts_allowed_networks), resolving("100.100.100.200")), network)
    calls(runtime, project, 0, 4, "error")
    drive(loop, 10, transport)
    [fingerprint] = [s.fingerprint for s in loop.states.values() if s.project_id == project]
    [item] = loop.outbox.for_alert(project, fingerprint)
    assert item.status == "failed" and item.last_error.startswith("refused: hooks.example.test: 100.100.100.200")
    assert receiver.attempts == 0 and network.stopped == []
    assert [c for c in network.connected if c[1] == port] == [], "(older tests' notifications may still be pending)"
