"""The notifier's stages one by one, on alerts built in memory: no store, no clock."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from telltale_server.services.alerts.notifier import stages
from telltale_server.services.alerts.notifier.model import Group, Notification
from telltale_server.services.alerts.silences import Silence
from telltale_server.services.alerts.state import AlertState
from tests.support.alerts import T0, at, rule


def state(r, name: str, labels: dict[str, str] | None = None, fired: float = 0, **fields: Any) -> AlertState:
    return AlertState(
        project_id=r.project_id,
        rule_id=r.id,
        labels=labels or {},
        state=name,  # type: ignore[arg-type]
        value=0.9,
        samples=10,
        active_since=at(fired),
        fired_at=at(fired) if name in ("firing", "resolved") else None,
        resolved_at=fields.get("resolved_at"),
        evaluated_at=at(fired),
    )


def groups_of(r, *states: AlertState, acked: set | None = None) -> list[Group]:
    return stages.group(states, {(r.project_id, r.id): r}, acked or set())


class Channel:
    """Replays dedup over time like the loop does, remembering what the channel was told."""

    def __init__(self) -> None:
        self.last = None
        self.sent: list[Notification] = []

    def offer(self, g: Group, seconds: float) -> Notification | None:
        made = stages.dedup(g, 0, self.last, at(seconds))
        if made is not None:
            self.last = made.log_entry()
            self.sent.append(made)
        return made


def test_one_firing_notification_then_one_resolve() -> None:
    r, channel = rule(), Channel()
    for second in (0, 1, 2):
        channel.offer(groups_of(r, state(r, "firing"))[0], second)
    for second in (3, 40, 80):
        channel.offer(groups_of(r, state(r, "resolved"))[0], second)
    assert [(n.reasons, len(n.firing), len(n.resolved)) for n in channel.sent] == [
        (("firing",), 1, 0),
        (("resolved",), 0, 1),
    ]
    assert channel.sent[1].created_at == at(40), "the resolve at 3s waits for group_interval (30s)"


def test_repeat_interval_resends_a_still_firing_alert() -> None:
    r, channel = rule(repeat_interval="1h"), Channel()
    for second in (0, 1800, 3599, 3600, 3700, 7200):
        channel.offer(groups_of(r, state(r, "firing"))[0], second)
    assert [(n.created_at, n.reasons) for n in channel.sent] == [
        (at(0), ("firing",)),
        (at(3600), ("repeat",)),
        (at(7200), ("repeat",)),
    ]
    assert len({n.id for n in channel.sent}) == 3


def test_ack_stops_repeats_but_not_the_resolve() -> None:
    r, channel = rule(repeat_interval="1h"), Channel()
    firing = state(r, "firing")
    channel.offer(groups_of(r, firing)[0], 0)
    acked = {(r.project_id, firing.fingerprint, firing.active_since)}
    channel.offer(groups_of(r, firing, acked=acked)[0], 7200)
    channel.offer(groups_of(r, state(r, "resolved"), acked=acked)[0], 7300)
    assert [n.reasons for n in channel.sent] == [("firing",), ("resolved",)]


def test_group_wait_holds_the_first_notification() -> None:
    r, channel = rule(group_wait="10s"), Channel()
    assert channel.offer(groups_of(r, state(r, "firing", fired=0))[0], 5) is None
    assert channel.offer(groups_of(r, state(r, "firing", fired=0))[0], 10) is not None


def test_alerts_of_one_rule_are_grouped_into_one_notification() -> None:
    r, channel = rule(group_by=["model"]), Channel()
    g = groups_of(r, state(r, "firing", {"model": "a"}), state(r, "firing", {"model": "b"}))
    assert len(g) == 1
    made = channel.offer(g[0], 0)
    assert made is not None and sorted(a.state.labels["model"] for a in made.firing) == ["a", "b"]


def test_silence_mutes_firing_and_an_announced_alert_still_resolves() -> None:
    r, channel = rule(group_by=["model"]), Channel()
    silence = Silence(
        id="s1",
        project_id=r.project_id,
        matchers=[{"name": "model", "value": "a"}],
        starts_at=T0,
        ends_at=at(3600),
        created_by="k",
        comment="",
        created_at=T0,
    )
    a, b = state(r, "firing", {"model": "a"}), state(r, "firing", {"model": "b"})
    made = channel.offer(stages.silence(groups_of(r, a, b), [silence], at(0))[0], 0)
    assert made is not None and [x.state.labels for x in made.firing] == [{"model": "b"}]
    assert channel.offer(stages.silence(groups_of(r, a, b), [silence], at(100))[0], 100) is None
    # After the silence ends, the still-firing alert is announced.
    made = channel.offer(stages.silence(groups_of(r, a, b), [silence], at(3600))[0], 3600)
    assert made is not None and made.reasons == ("firing",)


def test_a_silence_of_another_project_or_out_of_time_does_nothing() -> None:
    r = rule()
    silence = Silence(
        id="s1",
        project_id="other",
        matchers=[{"name": "alertname", "value": "errors"}],
        starts_at=T0,
        ends_at=at(60),
        created_by="k",
        comment="",
        created_at=T0,
    )
    [g] = stages.silence(groups_of(r, state(r, "firing")), [silence], at(0))
    assert g.alerts[0].muted_by is None
    mine = silence.model_copy(update={"project_id": r.project_id})
    assert stages.silence(groups_of(r, state(r, "firing")), [mine], at(0))[0].alerts[0].muted_by == "silenced by s1"
    assert stages.silence(groups_of(r, state(r, "firing")), [mine], at(60))[0].alerts[0].muted_by is None


def test_traffic_stopped_inhibits_rate_alerts_on_the_same_labels() -> None:
    traffic = rule(id="r-traffic", metric="volume.count", comparator="<", threshold=1, group_by=["model"])
    errors = rule(id="r-errors", group_by=["model", "route"])
    latency = rule(id="r-latency", metric="latency.p95", threshold=1000, group_by=["model"])
    rules = {(r.project_id, r.id): r for r in (traffic, errors, latency)}
    states = [
        state(traffic, "firing", {"model": "a"}),
        state(errors, "firing", {"model": "a", "route": "x"}),
        state(errors, "firing", {"model": "b", "route": "x"}),
        state(latency, "firing", {"model": "a"}),
    ]
    groups = stages.inhibit(stages.group(states, rules, set()))
    muted = {(g.rule.id, tuple(a.state.labels.values())): a.muted_by for g in groups for a in g.alerts}
    assert muted[("r-errors", ("a", "x"))] is not None
    assert muted[("r-errors", ("b", "x"))] is None
    assert muted[("r-latency", ("a",))] is None, "latency is not a rate"
    assert muted[("r-traffic", ("a",))] is None


def test_no_resolve_for_a_channel_that_does_not_want_them() -> None:
    r = rule(channels=[{"type": "slack", "url": "https://hooks.slack.com/services/T/B/X", "send_resolved": False}])
    channel = Channel()
    channel.offer(groups_of(r, state(r, "firing"))[0], 0)
    made = channel.offer(groups_of(r, state(r, "resolved"))[0], 60)
    assert made is not None and not made.deliver and made.log_entry().firing == frozenset()


def test_pending_and_inactive_alerts_are_not_notified() -> None:
    r = rule()
    assert groups_of(r, state(r, "pending"), state(r, "inactive")) == []
    assert timedelta(seconds=r.group_interval) == timedelta(seconds=30)
