"""The cluster variant of every migration renders and is accepted by ClickHouse's own parser (chDB)."""

from __future__ import annotations

import re

import pytest

from telltale_server.schemas.cluster_ddl import ClusterDDL, NoClusterFormError, sharding_key
from telltale_server.schemas.migrate import _LEDGER_DDL, MIGRATIONS_DIR, Migration, available, on_cluster
from telltale_server.services.runtime import Runtime

CLUSTER = "{cluster}"


def parse(runtime: Runtime, statement: str) -> str:
    """ClickHouse's canonical text of `statement`; raises on a syntax error."""
    return runtime.store.rows("SELECT formatQuery({sql:String}) AS text", {"sql": statement})[0]["text"]


def test_every_migration_file_is_covered() -> None:
    files = sorted(MIGRATIONS_DIR.glob("*.sql"))
    assert len(files) >= 3
    assert [m.version for m in available()] == [int(path.stem.split("_")[0]) for path in files]


@pytest.mark.parametrize("migration", available(), ids=lambda m: f"{m.version:04d}_{m.name}")
def test_cluster_variant_of_migration_parses(runtime: Runtime, migration: Migration) -> None:
    single = migration.statements()
    clustered = migration.statements_for(CLUSTER)
    creates = [s for s in single if s.upper().startswith("CREATE TABLE")]
    assert len(clustered) >= len(single)
    for statement in clustered:
        text = parse(runtime, statement)
        if not statement.upper().startswith("INSERT"):
            assert "ON CLUSTER `{cluster}`" in text, text
    for create in creates:
        name = re.search(r"CREATE TABLE IF NOT EXISTS (\w+)", create)[1]
        pair = [parse(runtime, s) for s in ClusterDDL(CLUSTER).rewrite(create)]
        assert pair[0].startswith(f"CREATE TABLE IF NOT EXISTS {name}_local ON CLUSTER")
        assert "ENGINE = Replicated" in pair[0]
        assert "'/clickhouse/tables/{shard}/{database}/{table}', '{replica}'" in pair[0]
        assert f"CREATE TABLE IF NOT EXISTS {name} ON CLUSTER `{{cluster}}` AS {name}_local" in pair[1]
        assert f"ENGINE = Distributed('{{cluster}}', currentDatabase(), '{name}_local', cityHash64(" in pair[1]


def test_ledger_has_a_cluster_form(runtime: Runtime) -> None:
    statements = on_cluster([_LEDGER_DDL.strip()], "telltale")
    assert [parse(runtime, s).split(" ON CLUSTER")[0] for s in statements] == [
        "CREATE TABLE IF NOT EXISTS schema_migrations_local",
        "CREATE TABLE IF NOT EXISTS schema_migrations",
    ]


def test_engine_arguments_follow_the_replication_path(runtime: Runtime) -> None:
    create = "CREATE TABLE t (a String, v UInt64) ENGINE = ReplacingMergeTree(v) PARTITION BY a ORDER BY (a) TTL now()"
    local, distributed = ClusterDDL("prod").rewrite(create)
    assert "ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', v)" in local
    assert local.endswith("PARTITION BY a ORDER BY (a) TTL now()")
    assert distributed.endswith("Distributed('prod', currentDatabase(), 't_local', cityHash64(a))")
    plain = ClusterDDL("prod").rewrite("CREATE TABLE t (a String) ENGINE = MergeTree ORDER BY a")[0]
    assert "ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')" in plain
    for statement in (local, distributed, plain):
        parse(runtime, statement)


def test_sharding_key_keeps_duplicates_on_one_shard() -> None:
    assert sharding_key("(project_id, ts, event_id)") == "cityHash64(project_id, ts, event_id)"
    assert sharding_key("name") == "cityHash64(name)"
    assert sharding_key("tuple()") == "rand()"
    assert sharding_key("(a, b) ") == "cityHash64(a, b)"


def test_alter_columns_change_both_tables_and_data_changes_only_the_local_one(runtime: Runtime) -> None:
    ddl = ClusterDDL("c")
    add = ddl.rewrite("ALTER TABLE evaluations ADD COLUMN note Array(String) DEFAULT [], ADD COLUMN x UInt8")
    assert [s.split(" ON CLUSTER")[0] for s in add] == ["ALTER TABLE evaluations_local", "ALTER TABLE evaluations"]
    drop = ddl.rewrite("ALTER TABLE evaluations DROP COLUMN note")
    assert [s.split(" ON CLUSTER")[0] for s in drop] == ["ALTER TABLE evaluations", "ALTER TABLE evaluations_local"]
    ttl = ddl.rewrite("ALTER TABLE inference_events MODIFY TTL toDateTime(ts) + INTERVAL 90 DAY")
    assert ttl == ["ALTER TABLE inference_events_local ON CLUSTER 'c' MODIFY TTL toDateTime(ts) + INTERVAL 90 DAY"]
    for statement in add + drop + ttl:
        parse(runtime, statement)
    with pytest.raises(NoClusterFormError, match="split it"):
        ddl.rewrite("ALTER TABLE t ADD COLUMN a UInt8, DELETE WHERE a = 1")


def test_drop_view_and_insert_forms(runtime: Runtime) -> None:
    ddl = ClusterDDL("c")
    drop = ddl.rewrite("DROP TABLE IF EXISTS old")
    assert drop == ["DROP TABLE IF EXISTS old ON CLUSTER 'c'", "DROP TABLE IF EXISTS old_local ON CLUSTER 'c'"]
    view = ddl.rewrite("CREATE VIEW IF NOT EXISTS v AS SELECT 1")
    assert view == ["CREATE VIEW IF NOT EXISTS v ON CLUSTER 'c' AS SELECT 1"]
    insert = "INSERT INTO projects (project_id) VALUES ('a')"
    assert ddl.rewrite(insert) == [insert]
    for statement in drop + view:
        parse(runtime, statement)


@pytest.mark.parametrize(
    "statement",
    [
        "CREATE TABLE t (a String) ENGINE = Memory",
        "CREATE TABLE t (a String) ENGINE = ReplicatedMergeTree ORDER BY a",
        "CREATE TABLE t (a String)",
        "CREATE MATERIALIZED VIEW mv TO t AS SELECT 1",
        "OPTIMIZE TABLE t FINAL",
        "CREATE TABLE t (a String ENGINE = MergeTree",
    ],
)
def test_statements_without_a_cluster_form_are_refused(statement: str) -> None:
    with pytest.raises(NoClusterFormError):
        ClusterDDL("c").rewrite(statement)


@pytest.mark.parametrize("name", ["", "a b", "c'; DROP TABLE x", "c)"])
def test_cluster_names_are_checked(name: str) -> None:
    with pytest.raises(ValueError, match="cluster name"):
        ClusterDDL(name)


def test_without_a_cluster_the_statements_are_unchanged() -> None:
    for migration in available():
        assert migration.statements_for(None) == migration.statements()


def test_materialized_views_read_and_write_the_local_tables(runtime: Runtime) -> None:
    view = (
        "CREATE MATERIALIZED VIEW IF NOT EXISTS changes_mv TO changes AS\n"
        "SELECT project_id, toStartOfMinute(ts) AS minute, toUInt64(1) AS changes FROM events\n"
        "GROUP BY project_id, minute"
    )
    [rewritten] = ClusterDDL("c").rewrite(view)
    text = parse(runtime, rewritten)
    assert text.startswith("CREATE MATERIALIZED VIEW IF NOT EXISTS changes_mv ON CLUSTER c TO changes_local")
    assert "FROM events_local" in text and "FROM events " not in text
    for refused in (
        "CREATE MATERIALIZED VIEW v TO t AS SELECT a FROM x JOIN y ON x.a = y.a",
        "CREATE MATERIALIZED VIEW v TO t AS SELECT a FROM (SELECT a FROM x)",
        "CREATE MATERIALIZED VIEW v AS SELECT a FROM x",
    ):
        with pytest.raises(NoClusterFormError, match="materialized view"):
            ClusterDDL("c").rewrite(refused)
