"""Failure isolation for the periodic jobs: one monitor, rule or dataset that fails is recorded and skipped.

The drift job, the alert engine and dataset curation each keep a `HealthLog`. A failure is written to the
`job_health` table on that subject (the API shows it as `last_error`); a success after failures clears it.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, Field

from telltale_server.schemas.store import Store

log = logging.getLogger(__name__)
REWRITE_AFTER = timedelta(minutes=5)
"""A failure that repeats unchanged is written again at most this often (its `at` moves on)."""


class JobError(BaseModel):
    """Why a periodic job could not do its work for this monitor, rule or dataset lately."""

    error: str = Field(description="The failure, as the job saw it.")
    since: datetime = Field(description="First failure of this run of failures.")
    at: datetime = Field(description="Latest failure recorded.")


class HealthLog:
    """One job's record of its failing subjects; safe to call from several threads."""

    def __init__(self, store: Store, job: str) -> None:
        self.store = store
        self.job = job
        self._lock = threading.Lock()
        self._failing: dict[tuple[str, str], JobError] | None = None

    def failed(self, project_id: str, subject: str, error: BaseException | str) -> None:
        """Record that `subject` failed now (and log it); the job then moves on to the next one."""
        text = f"{type(error).__name__}: {error}" if isinstance(error, BaseException) else error
        text, now = text[:2000], datetime.now(UTC)
        log.warning("%s: %s of project %s failed: %s", self.job, subject, project_id, text)
        with self._lock:
            failing = self._load()
            before = failing.get((project_id, subject))
            if before is not None and before.error == text and now - before.at < REWRITE_AFTER:
                return
            found = JobError(error=text, since=before.since if before else now, at=now)
            self._write(project_id, subject, found)
            failing[(project_id, subject)] = found

    def succeeded(self, project_id: str, subject: str) -> None:
        """Clear the subject's failure, if it had one."""
        with self._lock:
            if self._load().pop((project_id, subject), None) is not None:
                now = datetime.now(UTC)
                self._write(project_id, subject, JobError(error="", since=now, at=now))

    def errors(self, project_id: str) -> dict[str, JobError]:
        """The project's failing subjects as stored (what the API shows; any process may ask)."""
        rows = self.store.rows(
            "SELECT subject, error, since, at FROM job_health FINAL "
            "WHERE project_id = {p:String} AND job = {j:String} AND error != ''",
            {"p": project_id, "j": self.job},
        )
        return {row["subject"]: JobError(error=row["error"], since=row["since"], at=row["at"]) for row in rows}

    def _load(self) -> dict[tuple[str, str], JobError]:
        if self._failing is None:
            rows = self.store.rows(
                "SELECT project_id, subject, error, since, at FROM job_health FINAL "
                "WHERE job = {j:String} AND error != ''",
                {"j": self.job},
            )
            self._failing = {
                (row["project_id"], row["subject"]): JobError(error=row["error"], since=row["since"], at=row["at"])
                for row in rows
            }
        return self._failing

    def _write(self, project_id: str, subject: str, state: JobError) -> None:
        """Best effort: a store that cannot take the record must not stop the job that is isolating a failure."""
        try:
            self.store.client().insert(
                "job_health",
                [[project_id, self.job, subject, state.error, state.since, state.at, datetime.now(UTC)]],
                column_names=["project_id", "job", "subject", "error", "since", "at", "updated_at"],
            )
        except Exception:
            log.exception("%s: could not record the health of %s of project %s", self.job, subject, project_id)
