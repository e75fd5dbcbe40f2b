"""Migrations and the embedded store: idempotent, tamper-evident, one owner per data directory."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from telltale_server.schemas.migrate import MigrationChangedError, available, migrate, pending
from telltale_server.schemas.store import Store, StoreLockedError
from telltale_server.services.runtime import Runtime
from tests.support.server import ROOT


def test_migrating_twice_applies_nothing_the_second_time(runtime: Runtime) -> None:
    assert migrate(runtime.store) == []
    assert pending(runtime.store) == []
    tables = {row["name"] for row in runtime.store.rows("SHOW TABLES")}
    assert {"projects", "api_keys", "inference_events", "feedback_events", "evaluations", "dead_letters_v2"} <= tables
    assert "dead_letters" not in tables
    ledger = runtime.store.rows("SELECT version FROM schema_migrations FINAL ORDER BY version")
    assert [row["version"] for row in ledger] == [m.version for m in available()]


def test_an_edited_migration_is_refused(runtime: Runtime) -> None:
    client = runtime.store.client()
    columns = ["version", "name", "checksum", "applied_at"]
    first = available()[0]
    client.insert("schema_migrations", [[first.version, first.name, "edited", datetime.now(UTC)]], column_names=columns)
    try:
        with pytest.raises(MigrationChangedError):
            pending(runtime.store)
    finally:
        later = datetime.now(UTC) + timedelta(seconds=1)
        client.insert("schema_migrations", [[first.version, first.name, first.checksum, later]], column_names=columns)
    assert pending(runtime.store) == []


def test_a_second_owner_of_the_data_directory_is_refused(runtime: Runtime) -> None:
    with pytest.raises(StoreLockedError, match="is in use by pid"):
        Store(runtime.store.url)


def test_cli_migrate_is_safe_to_run_twice(tmp_path: pytest.TempPathFactory) -> None:
    command = [sys.executable, "-m", "telltale_server.services.cli.main", "migrate", "--data-dir", str(tmp_path)]
    first = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    second = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    assert first.stdout.startswith(f"applied {len(available())} migration(s)")
    assert second.stdout.splitlines() == ["store is up to date", "rollups are up to date"]
