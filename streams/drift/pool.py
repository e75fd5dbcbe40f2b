"""The drift worker process: Evidently's import (~5 s, ~280 MB) and its computations stay out of the server.

One spawned process, made on first use and remade if it dies (an out-of-memory kill, say)."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from telltale_server.streams.processes import settle_child, spawning_quietly

log = logging.getLogger(__name__)
T = TypeVar("T")


class DriftPool:
    """`await pool.run(fn, *args)` runs a picklable function in the worker process."""

    def __init__(self) -> None:
        self._executor: ProcessPoolExecutor | None = None

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        try:
            with spawning_quietly():  # the executor starts its process inside submit
                pending = loop.run_in_executor(self._get(), fn, *args)
            return await pending
        except BrokenProcessPool:
            log.warning("drift worker process died; starting a new one")
            self.close()
            raise

    def close(self) -> None:
        """Stop at once: a window being computed is dropped (it is computed again on the next start)."""
        if self._executor is not None:
            processes = list(getattr(self._executor, "_processes", {}).values())  # no public handle on them
            self._executor.shutdown(wait=False, cancel_futures=True)
            for process in processes:
                process.terminate()
                process.join(5)
            # With its process gone the executor winds down at once; waiting for that frees its queues'
            # semaphores now, so a stop by SIGTERM (no exit handlers) leaves none for the tracker to report.
            self._executor.shutdown(wait=True)
            self._executor = None

    def _get(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=settle_child
            )
        return self._executor
