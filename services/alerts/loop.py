"""The alert engine's driver: evaluate every rule, persist transitions, notify, deliver; again and again.

It runs as a background job beside the local runner (woken when evaluations land, and at least every
`alerts_interval_s`), or alone as `telltale jobs` behind a lease. What it must not lose lives in the
store before it acts: states are saved before notifications are made, notifications before delivery.
A restart loads states and the notification log back, so it neither re-sends nor forgets.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from telltale_server.schemas.lease import Lease
from telltale_server.schemas.row_versions import to_ms
from telltale_server.schemas.settings import Settings
from telltale_server.schemas.store import Store
from telltale_server.services.alerts import engine
from telltale_server.services.alerts.acks import AckStore
from telltale_server.services.alerts.channels.config import describe
from telltale_server.services.alerts.notifier import stages
from telltale_server.services.alerts.notifier.delivery import Deliverer
from telltale_server.services.alerts.notifier.model import LogEntry, Notification
from telltale_server.services.alerts.notifier.outbox import Outbox, item
from telltale_server.services.alerts.rules import Rule, RuleStore
from telltale_server.services.alerts.silences import SilenceStore
from telltale_server.services.alerts.state import AlertState, StateStore
from telltale_server.services.metrics.catalog import VOLUME_LOOKBACK, Sample, Window, compute_many
from telltale_server.streams.health import HealthLog
from telltale_server.streams.periodic import repeat, wait_any
from telltale_server.streams.rollups import tail
from telltale_server.streams.rollups.reader import Tail, floor_minute

log = logging.getLogger(__name__)
JOB = "alerts"
QUERY_THREADS = 4
"""Rules are computed this many at a time; the threads live as long as the loop (each keeps its store client)."""


class AlertLoop:
    """Owns the alert states and the notification log while it runs (the lease says who, in cluster mode)."""

    name = "alerts"
    min_gap_s = 0.25
    """Wakes closer together than this are merged, so a busy runner cannot keep the engine spinning."""

    def __init__(self, store: Store, settings: Settings, lease: Lease | None = None) -> None:
        self.store = store
        self.settings = settings
        self.lease = lease
        self.rule_store = RuleStore(store)
        self.state_store = StateStore(store)
        self.silences = SilenceStore(store)
        self.acks = AckStore(store)
        self.outbox = Outbox(store)
        self.health = HealthLog(store, JOB)
        self.rules: dict[tuple[str, str], Rule] = {}
        self.deliverer = Deliverer(
            store,
            lambda project, rule_id: self.rules.get((project, rule_id)),
            settings.alerts_allowed_networks,
            settings.alerts_give_up_after_s,
            settings.alerts_delivery_timeout_s,
        )
        self._queries = ThreadPoolExecutor(max_workers=QUERY_THREADS, thread_name_prefix="alert-query")
        self.states: dict[str, AlertState] = {}
        self.log: dict[tuple[str, str], LogEntry] = {}
        self.loaded = False
        self.passes = 0
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def load(self) -> None:
        """Resume from the store: states, what each channel was last told, and the rules (and drop the raw tails a
        crashed pass left)."""
        tail.sweep(self.store)
        self.states = self.state_store.load()
        self.log = self.outbox.log()
        self._load_rules()
        self.loaded = True

    def _load_rules(self) -> list[Rule]:
        """Every stored rule (deleted ones too, for their resolves); returns the enabled, live ones."""
        everything, unreadable = self.rule_store.every()
        for broken in unreadable:
            self.health.failed(broken.project_id, broken.id, broken.error)
        self.rules = {(rule.project_id, rule.id): rule for rule, _ in everything}
        return [rule for rule, live in everything if live and rule.enabled]

    def tick(self, now: datetime) -> list[Notification]:
        """One pass: evaluate every rule at `now`, save transitions, queue the notifications they call for."""
        if not self.loaded:
            self.load()
        now = to_ms(now)
        active = self._load_rules()
        changes: list[tuple[AlertState | None, AlertState]] = []
        found: dict[tuple[str, str], list[Sample] | None] = {}
        tails = self._tails(active, now)
        try:
            for batch in self._queries.map(self._batch, batches(active, now, tails)):
                found.update(batch)
        finally:
            for made in tails.values():
                tail.drop(self.store, made)
        for rule in active:
            if (samples := found[(rule.project_id, rule.id)]) is not None:
                try:
                    changes += engine.evaluate(rule, samples, self.states, now)
                except Exception as error:
                    self.health.failed(rule.project_id, rule.id, error)
        live = {(rule.project_id, rule.id) for rule in active}
        for state in self.states.values():
            if (state.project_id, state.rule_id) not in live and (retired := engine.retire(state, now)):
                changes.append((state, retired))
        self.state_store.save(
            [(b, a) for b, a in changes if b is None or (b.state, b.cleared_since) != (a.state, a.cleared_since)]
        )
        for _, after in changes:
            self.states[after.fingerprint] = after
        self.passes += 1
        return self.notify(now)

    def _tails(self, rules: list[Rule], now: datetime) -> dict[str, Tail]:
        """Each project's raw tail over its longest rule window and lookback (its minutes not rolled up yet and the
        current partial minute), measured once a pass for all its rules."""
        longest: dict[str, float] = {}
        for rule in rules:
            longest[rule.project_id] = max(longest.get(rule.project_id, 0.0), rule.window)
        tails: dict[str, Tail] = {}
        for project, seconds in longest.items():
            tails[project] = tail.build(self.store, project, window_start(now, seconds) - VOLUME_LOOKBACK, now)
        return tails

    def _batch(self, batch: tuple[Window, list[Rule]]) -> dict[tuple[str, str], list[Sample] | None]:
        """The metrics of rules sharing a window, filters and groups in one query; rule by rule if it fails, so one
        bad rule never stops the rest (its failure is recorded on it, its samples None)."""
        window, rules = batch
        try:
            computed = compute_many(self.store, [rule.metric for rule in rules], window)
        except Exception as error:
            if len(rules) > 1:
                return {key: samples for rule in rules for key, samples in self._batch((window, [rule])).items()}
            self.health.failed(rules[0].project_id, rules[0].id, error)
            return {(rules[0].project_id, rules[0].id): None}
        for rule in rules:
            self.health.succeeded(rule.project_id, rule.id)
        return {(rule.project_id, rule.id): computed[rule.metric] for rule in rules}

    def notify(self, now: datetime) -> list[Notification]:
        """group -> inhibit -> silence -> dedup, then the outbox (durable) and the notification log."""
        groups = stages.group(self.states.values(), self.rules, self.acks.incidents())
        groups = stages.silence(stages.inhibit(groups), self.silences.active(now), now)
        made = []
        for g in groups:
            for index, channel in enumerate(g.rule.channels):
                found = stages.dedup(g, index, self.log.get((g.key, describe(channel, index))), now)
                if found is not None:
                    made.append(found)
        self.outbox.write([item(n) for n in made])
        for n in made:
            self.log[(n.group.key, n.channel)] = n.log_entry()
        return made

    def wake(self) -> None:
        """Called from any thread when fresh data landed: evaluate now rather than at the next interval."""
        if self._loop is not None and self._wake is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def run(self, stop: asyncio.Event) -> None:
        """Evaluate and deliver until `stop`; with a lease, only while holding it."""
        self._loop, self._wake = asyncio.get_running_loop(), asyncio.Event()
        delivered = asyncio.Event()
        deliveries = asyncio.create_task(self._deliver_forever(stop, delivered))

        async def evaluate() -> None:
            if await asyncio.to_thread(self.tick, datetime.now(UTC)):
                delivered.set()

        try:
            await repeat(
                evaluate,
                stop,
                what="alert evaluation",
                interval_s=self.settings.alerts_interval_s,
                gate=self._may_act,
                wake=self._wake,
                min_gap_s=self.min_gap_s,
            )
        finally:
            await deliveries
            await self.deliverer.close()
            self._queries.shutdown()
            if self.lease is not None:
                await asyncio.to_thread(self.lease.release)

    def _may_act(self) -> bool:
        """Local mode: always. Cluster mode: while holding the lease; reload state when just taking it over."""
        if self.lease is None:
            return True
        held = self.lease.hold()
        if not held:
            self.loaded = False
        return held

    async def _deliver_forever(self, stop: asyncio.Event, queued: asyncio.Event) -> None:
        """Attempt what is due; sleep until the next retry is due, new notifications arrive, or the interval."""
        while not stop.is_set():
            queued.clear()
            wait = self.settings.alerts_interval_s
            try:
                if self.loaded:
                    settled = True
                    while settled:  # attempts that settled may have made room for more that are due
                        attempted = await self.deliverer.deliver_due(datetime.now(UTC))
                        settled = any(item.status != "pending" for item in attempted)
                    due = await self.deliverer.next_due()
                    if due is not None:
                        wait = min(wait, max(0.05, (due - datetime.now(UTC)).total_seconds()))
            except Exception:
                log.exception("alert delivery pass failed; retrying")
            await wait_any(stop, queued, wait)


def batches(rules: list[Rule], now: datetime, tails: dict[str, Tail]) -> list[tuple[Window, list[Rule]]]:
    """Rules grouped by what their metrics are read over: project, window, filters and group-by labels."""
    grouped: dict[tuple[str, float, str, tuple[str, ...]], list[Rule]] = {}
    for rule in rules:
        key = (rule.project_id, rule.window, rule.filters.model_dump_json(), tuple(rule.group_by))
        grouped.setdefault(key, []).append(rule)
    windows = []
    for same in grouped.values():
        first = same[0]
        seconds = (now - window_start(now, first.window)).total_seconds()
        found = tails.get(first.project_id)
        window = Window(
            first.project_id,
            now,
            seconds,
            first.filters,
            tuple(first.group_by),
            unsettled=found.unsettled if found else None,
            tail=found,
        )
        windows.append((window, same))
    return windows


def window_start(now: datetime, seconds: float) -> datetime:
    """A rule's window starts on the minute at or before `now - window`: rules read whole minutes (rollups) and the
    current partial minute, so a window is up to a minute longer than its rule says."""
    return floor_minute(now - timedelta(seconds=seconds))
