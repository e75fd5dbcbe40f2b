"""Local mode's evaluator processes: scoring off the server's interpreter, so ingest and scoring never
share one interpreter lock. Workers compute; only the server process writes to the store.

Each worker is spawned, builds the evaluators once, and scores one task at a time with the same
`Pipeline.evaluate` the Kafka evaluate role calls. A worker that dies (SIGKILL, out of memory) is
replaced and its task handed to the replacement; a task fails only after it killed `max_attempts`
workers. Workers run a little below the server's CPU priority (`TELLTALE_EVALUATOR_NICE`, 5): against
the server alone two of them weigh 2 x 335 to its 1024, so ingest keeps the core it needs while scoring
takes the rest; a high nice (10+) would starve scoring on a host shared with other busy processes."""

from __future__ import annotations

import contextlib
import itertools
import logging
import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import CancelledError, Future
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Protocol

from telltale_server.schemas.settings import Settings
from telltale_server.streams.processes import settle_child, spawning_quietly
from telltale_server.streams.runners.scoring import Scored, Scorer, Task

log = logging.getLogger(__name__)
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class Scoring(Protocol):
    """How the local runner scores: `submit` a task, get a future of its rows."""

    size: int

    def submit(self, task: Task) -> Future[Scored]: ...

    def close(self, timeout_s: float = 5.0) -> None: ...


class WorkerDiedError(RuntimeError):
    """A task killed every worker it was given to."""


class InProcess:
    """Scores in the calling thread (`TELLTALE_EVALUATOR_WORKERS=0`, `telltale replay`, tests)."""

    size = 1

    def __init__(self, scorer: Scorer) -> None:
        self.scorer = scorer

    def submit(self, task: Task) -> Future[Scored]:
        future: Future[Scored] = Future()
        try:
            future.set_result(self.scorer.score(task))
        except Exception as error:
            future.set_exception(error)
        return future

    def close(self, timeout_s: float = 5.0) -> None:
        """Nothing runs in the background."""


@dataclass
class _Job:
    id: int
    task: Task
    future: Future[Scored]
    attempts: int = 0


class _Worker:
    """One spawned process and the server's end of its pipe."""

    def __init__(self, ctx: Any, settings: Settings, names: tuple[str, ...], on_ready: Callable[[], None] | None):
        self.conn, child = ctx.Pipe()
        with spawning_quietly():
            self.process = ctx.Process(
                target=serve, args=(child, settings, names, on_ready), name="telltale-evaluator", daemon=True
            )
            self.process.start()
        child.close()
        self.ready = False
        self.job: _Job | None = None

    def end(self, timeout_s: float) -> None:
        """Ask it to stop, then terminate and kill if it does not within `timeout_s`."""
        with contextlib.suppress(OSError):
            self.conn.send(None)
        self.process.join(timeout_s)
        for stop in (self.process.terminate, self.process.kill):
            if self.process.is_alive():
                stop()
                self.process.join(1.0)
        self.conn.close()


class EvaluatorPool:
    """`size` evaluator processes fed from one queue; `submit` returns at once with a future."""

    def __init__(
        self,
        settings: Settings,
        names: tuple[str, ...],
        size: int,
        on_ready: Callable[[], None] | None = None,
        max_attempts: int = 3,
    ) -> None:
        self.size = size
        self.max_attempts = max_attempts
        self.restarts = 0
        self._settings = shared_budgets(settings, size)
        self._names = names
        self._on_ready = on_ready
        self._ctx = multiprocessing.get_context("spawn")
        self._lock = threading.Lock()
        self._queue: deque[_Job] = deque()
        self._ids = itertools.count()
        self._closing = False
        self._failure: str | None = None
        self._wake_r, self._wake_w = self._ctx.Pipe(duplex=False)
        self._workers = [self._spawn() for _ in range(size)]
        self._thread = threading.Thread(target=self._run, name="evaluator-pool", daemon=True)
        self._thread.start()

    def submit(self, task: Task) -> Future[Scored]:
        """Queue a task for the next idle worker."""
        future: Future[Scored] = Future()
        with self._lock:
            if self._failure is not None:
                future.set_exception(RuntimeError(self._failure))
                return future
            self._queue.append(_Job(next(self._ids), task, future))
        self._wake()
        return future

    def pids(self) -> list[int]:
        """The workers' process ids (tests kill one)."""
        with self._lock:
            return [w.process.pid for w in self._workers if w.process.pid is not None]

    def busy_pids(self) -> list[int]:
        """Process ids of the workers scoring a task right now."""
        with self._lock:
            return [w.process.pid for w in self._workers if w.job is not None and w.process.pid is not None]

    def close(self, timeout_s: float = 5.0) -> None:
        """Stop the workers within about `timeout_s`; queued and running tasks are cancelled (their events
        stay after the runner's checkpoint and are scored on the next start)."""
        with self._lock:
            self._closing = True
            jobs = list(self._queue) + [w.job for w in self._workers if w.job is not None]
            self._queue.clear()
        self._wake()
        self._thread.join(timeout_s)
        deadline = time.monotonic() + timeout_s
        for worker in self._workers:
            worker.end(max(0.0, deadline - time.monotonic()))
        for job in jobs:
            if not job.future.done():
                job.future.set_exception(CancelledError())
        self._wake_r.close()
        self._wake_w.close()

    def _spawn(self) -> _Worker:
        return _Worker(self._ctx, self._settings, self._names, self._on_ready)

    def _wake(self) -> None:
        with contextlib.suppress(OSError):
            self._wake_w.send_bytes(b"!")

    def _run(self) -> None:
        """Hand queued tasks to idle workers, collect results, replace workers that died."""
        while True:
            with self._lock:
                if self._closing:
                    return
                workers = list(self._workers)
            waitables: list[Any] = [self._wake_r]
            for worker in workers:
                waitables += [worker.conn, worker.process.sentinel]
            for ready in wait(waitables, timeout=1.0):
                if ready is self._wake_r:
                    while self._wake_r.poll():
                        self._wake_r.recv_bytes()
                    continue
                worker = next(w for w in workers if ready in (w.conn, w.process.sentinel))
                if worker in self._workers:
                    self._hear(worker)
            self._dispatch()

    def _hear(self, worker: _Worker) -> None:
        """Read one message from the worker, or replace it when it has died."""
        try:
            message = worker.conn.recv() if worker.conn.poll() else None
        except (EOFError, OSError):
            message = None
        if message is None:
            if not worker.process.is_alive():
                self._replace(worker)
            return
        kind = message[0]
        if kind == "ready":
            worker.ready = True
        elif kind == "failed":
            self._fail(f"evaluators could not be built: {message[1]}")
        else:
            job, worker.job = worker.job, None
            if job is not None and job.id == message[1] and not job.future.done():
                if kind == "done":
                    job.future.set_result(message[2])
                else:
                    job.future.set_exception(RuntimeError(message[2]))

    def _replace(self, worker: _Worker) -> None:
        """A worker died: start another in its place and give its task to the queue's head."""
        worker.process.join(1.0)
        log.warning(
            "evaluator process %s exited with %s; starting another", worker.process.pid, worker.process.exitcode
        )
        worker.conn.close()
        with self._lock:
            if self._closing:
                return
            self._workers[self._workers.index(worker)] = self._spawn()
            self.restarts += 1
            job = worker.job
            if job is not None:
                job.attempts += 1
                if job.attempts >= self.max_attempts:
                    job.future.set_exception(WorkerDiedError(f"a task killed {job.attempts} evaluator processes"))
                else:
                    self._queue.appendleft(job)

    def _fail(self, reason: str) -> None:
        """The evaluators cannot be built (a configuration error): fail every task, say why once."""
        log.error("evaluator processes cannot start: %s", reason)
        with self._lock:
            self._failure = reason
            jobs = list(self._queue)
            self._queue.clear()
        for job in jobs:
            job.future.set_exception(RuntimeError(reason))

    def _dispatch(self) -> None:
        with self._lock:
            for worker in self._workers:
                if not self._queue:
                    return
                if worker.ready and worker.job is None and worker.process.is_alive():
                    job = self._queue.popleft()
                    worker.job = job
                    with contextlib.suppress(OSError):  # it died; its sentinel brings the job back
                        worker.conn.send((job.id, job.task))


def shared_budgets(settings: Settings, workers: int) -> Settings:
    """Each worker gets its share of the LLM judge's call rate and daily spend, so N workers spend no more
    than one process would."""
    if workers <= 1:
        return settings
    return settings.model_copy(
        update={
            "judge_calls_per_minute": max(1, settings.judge_calls_per_minute // workers),
            "judge_daily_usd_cap": settings.judge_daily_usd_cap / workers,
        }
    )


def default_size(configured: int | None) -> int:
    """One evaluator process per CPU this process may run on, unless configured."""
    if configured is not None:
        return configured
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def serve(conn: Connection, settings: Settings, names: Sequence[str], on_ready: Callable[[], None] | None) -> None:
    """A worker process: build the evaluators once, then score tasks until told to stop or orphaned."""
    settle_child()
    os.nice(settings.evaluator_nice)
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    from telltale_server.streams.evaluators import registry  # the models' libraries load here, not in the server

    try:
        scorer = Scorer(registry.build(settings, tuple(names)))
    except Exception as error:
        conn.send(("failed", f"{type(error).__name__}: {error}"))
        return
    if on_ready is not None:
        on_ready()
    conn.send(("ready", os.getpid()))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return  # the server is gone
        if message is None:
            return
        job_id, task = message
        try:
            reply: tuple[Any, ...] = ("done", job_id, scorer.score(task))
        except Exception as error:
            log.exception("scoring a task of %d events failed", len(task.batch))
            reply = ("error", job_id, f"{type(error).__name__}: {error}")
        try:
            conn.send(reply)
        except (BrokenPipeError, OSError):
            return
