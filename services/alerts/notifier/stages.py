"""The notifier's stages, each a pure function: group -> inhibit -> silence -> dedup.

A muting stage marks alerts rather than dropping them, so dedup still knows an announced alert is
firing: muting stops firing notifications and repeats, but an alert once announced as firing always
gets its resolve. What comes out of dedup goes to the outbox (notifier/outbox.py), and from there to
delivery with retry (notifier/delivery.py), which records every attempt.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from telltale_server.services.alerts.channels.config import describe
from telltale_server.services.alerts.notifier.model import Alert, Group, LogEntry, Notification
from telltale_server.services.alerts.rules import Rule
from telltale_server.services.alerts.silences import Silence
from telltale_server.services.alerts.state import AlertState
from telltale_server.services.metrics.catalog import CATALOG

TRAFFIC_STOPPED = ("volume.count", ("<", "<="))


def group(
    states: Iterable[AlertState], rules: Mapping[tuple[str, str], Rule], acked: set[tuple[str, str, datetime]]
) -> list[Group]:
    """Firing and resolved alerts gathered per rule; alerts of unknown rules are left out."""
    by_rule: dict[tuple[str, str], list[Alert]] = defaultdict(list)
    for state in states:
        rule = rules.get((state.project_id, state.rule_id))
        if rule is None or state.state not in ("firing", "resolved"):
            continue
        is_acked = (state.project_id, state.fingerprint, state.active_since) in acked
        by_rule[(state.project_id, state.rule_id)].append(Alert(state, rule, acked=is_acked))
    return [
        Group(rules[key], tuple(sorted(alerts, key=lambda a: a.fingerprint))) for key, alerts in sorted(by_rule.items())
    ]


def _is_traffic_stopped(alert: Alert) -> bool:
    metric, comparators = TRAFFIC_STOPPED
    return alert.state.state == "firing" and alert.rule.metric == metric and alert.rule.comparator in comparators


def inhibit(groups: Sequence[Group]) -> list[Group]:
    """A firing 'traffic stopped' alert (volume.count below a threshold) mutes the rate alerts on its labels.

    A rate computed over no traffic says nothing; the source's group labels must all be on the target
    (an ungrouped traffic alert mutes every rate alert of its project).
    """
    sources = [alert for g in groups for alert in g.alerts if _is_traffic_stopped(alert)]
    result = []
    for g in groups:
        if CATALOG[g.rule.metric].kind != "rate":
            result.append(g)
            continue
        alerts = []
        for alert in g.alerts:
            source = next((s for s in sources if _inhibits(s, alert)), None)
            alerts.append(alert.muted(f"inhibited by {source.fingerprint}") if source else alert)
        result.append(Group(g.rule, tuple(alerts)))
    return result


def _inhibits(source: Alert, target: Alert) -> bool:
    same_project = source.state.project_id == target.state.project_id
    shared = source.state.labels.items() <= target.state.labels.items()
    return same_project and shared and target.state.state == "firing"


def silence(groups: Sequence[Group], silences: Sequence[Silence], now: datetime) -> list[Group]:
    """Firing alerts matched by a silence of their project in force now are muted."""
    result = []
    for g in groups:
        alerts = []
        for alert in g.alerts:
            if alert.state.state == "firing" and alert.muted_by is None:
                found = next(
                    (s for s in silences if s.project_id == g.rule.project_id and s.mutes(alert.labels, now)), None
                )
                alert = alert.muted(f"silenced by {found.id}") if found else alert
            alerts.append(alert)
        result.append(Group(g.rule, tuple(alerts)))
    return result


def dedup(g: Group, channel_index: int, last: LogEntry | None, now: datetime) -> Notification | None:
    """The notification this channel needs now, given what it was last told (None: nothing new, or not yet).

    New: an unmuted firing alert it has not heard of, or the resolve of one it heard firing. Repeat:
    still firing, some alert unacknowledged, `repeat_interval` since the last message. Timing: a group's
    first message waits `group_wait` from the first fire, later ones `group_interval` from the last.
    """
    rule = g.rule
    channel = rule.channels[channel_index]
    told = last.firing if last else frozenset()
    announce = tuple(a for a in g.alerts if a.state.state == "firing" and a.muted_by is None)
    still_muted = {a.fingerprint for a in g.alerts if a.state.state == "firing" and a.muted_by is not None} & told
    resolved = tuple(a for a in g.alerts if a.state.state == "resolved" and a.fingerprint in told)
    new = {a.fingerprint for a in announce} - told
    reasons = []
    if new:
        reasons.append("firing")
    if resolved:
        reasons.append("resolved")
    unacked = any(not a.acked for a in announce)
    if not reasons and unacked and last is not None and now - last.at >= timedelta(seconds=rule.repeat_interval):
        reasons.append("repeat")
    if not reasons:
        return None
    if not told:
        first_fire = min(a.state.fired_at or now for a in announce) if announce else now
        if now - first_fire < timedelta(seconds=rule.group_wait):
            return None
    elif last is not None and now - last.at < timedelta(seconds=rule.group_interval):
        return None
    deliver = bool(announce) or channel.send_resolved
    return Notification(
        group=g,
        channel_index=channel_index,
        channel=describe(channel, channel_index),
        seq=(last.seq if last else 0) + 1,
        firing=announce,
        resolved=resolved if channel.send_resolved else (),
        remembered_firing=frozenset(a.fingerprint for a in announce) | still_muted,
        created_at=now,
        deliver=deliver,
        reasons=tuple(reasons),
    )
