"""Applies the numbered .sql migrations in order, once each, and records them in the store."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from telltale_server.schemas.cluster_ddl import ClusterDDL
from telltale_server.schemas.store import Store

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_LEDGER_DDL = """
CREATE TABLE IF NOT EXISTS schema_migrations
(
    version UInt32,
    name String,
    checksum String,
    applied_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(applied_at)
ORDER BY version
"""


class MigrationChangedError(RuntimeError):
    """A migration was edited after it ran somewhere; write a new one instead."""


@dataclass(frozen=True)
class Migration:
    """One numbered file of DDL statements."""

    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        """Fingerprint that tells an edited migration from the one that was applied."""
        return hashlib.sha256(self.sql.encode()).hexdigest()

    def statements(self) -> list[str]:
        """The file split into statements: each ends with ';' at the end of a line."""
        body = re.sub(r"^\s*--.*$", "", self.sql, flags=re.MULTILINE)
        return [part.strip() for part in re.split(r";\s*$", body, flags=re.MULTILINE) if part.strip()]

    def statements_for(self, cluster: str | None) -> list[str]:
        """The statements for one server, or rewritten for the ClickHouse cluster named `cluster`."""
        return on_cluster(self.statements(), cluster)


def on_cluster(statements: list[str], cluster: str | None) -> list[str]:
    """Single-server DDL as it is, or its cluster variant (schemas/cluster_ddl.py)."""
    if not cluster:
        return statements
    ddl = ClusterDDL(cluster)
    return [rewritten for statement in statements for rewritten in ddl.rewrite(statement)]


def available(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """The migrations shipped with this code, in version order."""
    found = []
    for path in sorted(directory.glob("*.sql")):
        number, _, name = path.stem.partition("_")
        found.append(Migration(version=int(number), name=name, sql=path.read_text()))
    return sorted(found, key=lambda m: m.version)


def applied(store: Store) -> dict[int, str]:
    """Version -> checksum of what this store has already applied (nothing, before the first migrate)."""
    if not store.command("EXISTS TABLE schema_migrations"):
        return {}
    rows = store.rows("SELECT version, checksum FROM schema_migrations FINAL")
    return {row["version"]: row["checksum"] for row in rows}


def pending(store: Store) -> list[Migration]:
    """Migrations this store still needs; refuses to go on if an applied one was edited."""
    done = applied(store)
    todo = []
    for migration in available():
        if migration.version not in done:
            todo.append(migration)
        elif done[migration.version] != migration.checksum:
            raise MigrationChangedError(f"migration {migration.version}_{migration.name} changed after it was applied")
    return todo


def migrate(store: Store, cluster: str | None = None) -> list[Migration]:
    """Apply what is pending and return it; running it again applies nothing. `cluster`: TELLTALE_CLICKHOUSE_CLUSTER."""
    for statement in on_cluster([_LEDGER_DDL.strip()], cluster):
        store.command(statement)
    todo = pending(store)
    for migration in todo:
        for statement in migration.statements_for(cluster):
            store.command(statement)
        store.client().insert(
            "schema_migrations",
            [[migration.version, migration.name, migration.checksum, datetime.now(UTC)]],
            column_names=["version", "name", "checksum", "applied_at"],
        )
    return todo
