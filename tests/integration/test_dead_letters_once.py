"""Issue 17, part 7: dead letters are filed once, however often the same refusal is delivered or retried."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from pathlib import Path

from telltale_server.schemas import topics
from telltale_server.services.events.deadletters import recent_dead_letters
from telltale_server.services.runtime import Runtime
from telltale_server.streams import deadletter
from telltale_server.streams.deadletter import DeadLetter
from telltale_server.streams.runners.backoff import Backoff
from telltale_server.streams.runners.store.batch import Batch
from telltale_server.streams.runners.store.decode import decode
from telltale_server.streams.runners.store.insert import Inserter
from telltale_server.streams.sink import Sink
from tests.support.server import ROOT
from tests.unit.test_kafka_steps import Record


def test_a_redelivered_poison_record_is_kept_once(runtime: Runtime, project: str) -> None:
    record = Record(topics.FEEDBACK.name, b"{broken", [("project_id", project.encode())], partition=1, offset=9)
    sink = Sink(runtime.store)
    for _ in range(3):
        poison = decode(record)
        value, headers = deadletter.to_record(poison.letter)  # type: ignore[union-attr]
        sink.dead_letters([decode(Record(topics.DEAD_LETTERS.name, value, headers)).letter])  # type: ignore[union-attr]
    [kept] = recent_dead_letters(runtime.store, project, 100)
    assert (kept.raw, kept.source) == ("{broken", f"kafka:{topics.FEEDBACK.name}/1@9")


class FailsOnceAfterDeadLetters(Sink):
    """A store that takes the dead letters and then fails the batch once, so the runner writes it all again."""

    failed = False

    def dead_letters(self, letters: list[DeadLetter]) -> None:  # type: ignore[override]
        super().dead_letters(letters)
        if not self.failed:
            self.failed = True
            raise ConnectionError("store went away after the dead letters")


def test_a_retried_batch_files_its_dead_letters_once(runtime: Runtime, project: str) -> None:
    batch = Batch()
    batch.filed.extend(DeadLetter(project, "http:/v1/inference", "inference", f"bad {n}", b"{}", n) for n in range(3))
    batch.records = 3
    published: list[int] = []

    async def publish(letters: list[DeadLetter]) -> None:
        published.append(len(letters))

    inserter = Inserter(FailsOnceAfterDeadLetters(runtime.store), publish, Backoff(first_s=0.01, cap_s=0.02))
    assert asyncio.run(inserter.write(batch, asyncio.Event()))
    assert len(published) == 2
    assert sorted(letter.reason for letter in recent_dead_letters(runtime.store, project, 100)) == [
        "bad 0",
        "bad 1",
        "bad 2",
    ]


def test_the_migration_moves_old_dead_letters_into_the_deduplicated_table(tmp_path: Path) -> None:
    """A store made before migration 0008 keeps its dead letters, readable through the API's query."""
    project = f"p-{uuid.uuid4().hex[:8]}"
    script = f"""
from telltale_server.schemas import migrate as m
from telltale_server.schemas.store import Store
from telltale_server.services.events.deadletters import recent_dead_letters
from datetime import UTC, datetime
store = Store("chdb://{tmp_path / "clickhouse"}")
store.command(m._LEDGER_DDL)
for migration in [x for x in m.available() if x.version < 8]:
    for statement in migration.statements():
        store.command(statement)
    row = [migration.version, migration.name, migration.checksum, datetime.now(UTC)]
    store.client().insert("schema_migrations", [row], column_names=["version", "name", "checksum", "applied_at"])
store.command("INSERT INTO dead_letters VALUES ('{project}', generateUUIDv4(), now64(), 'http:/v1/inference', "
              "'inference', 0, '', 'old reason', '[]', 'old bytes', 0)")
assert [x.version for x in m.migrate(store)] == [x.version for x in m.available() if x.version >= 8]
assert not store.command("EXISTS TABLE dead_letters")
print([(letter.reason, letter.raw) for letter in recent_dead_letters(store, "{project}", 10)])
"""
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[('old reason', 'old bytes')]"
