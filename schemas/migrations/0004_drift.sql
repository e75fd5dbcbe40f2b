-- Drift monitoring. Monitors are configuration (ReplacingMergeTree with a version column). A run is one
-- monitor x window x segment; its id is deterministic, so a recomputed window replaces the older rows
-- (newest computed_at wins) instead of adding to them. Reports are Evidently's HTML without its inlined
-- library (the API serves that once), compressed.

CREATE TABLE IF NOT EXISTS drift_monitors
(
    project_id String,
    monitor_id String,
    config String,
    deleted UInt8 DEFAULT 0,
    updated_at DateTime64(6, 'UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (project_id, monitor_id);

CREATE TABLE IF NOT EXISTS drift_runs
(
    project_id LowCardinality(String),
    run_id String,
    monitor_id String,
    window_start DateTime64(3, 'UTC'),
    window_end DateTime64(3, 'UTC'),
    segment String,
    reference String,
    status LowCardinality(String),
    n_current UInt32,
    n_reference UInt32,
    n_signals UInt16,
    n_drifted UInt16,
    share_drifted Nullable(Float64),
    drift_share_threshold Float64,
    error String,
    code_version String,
    computed_at DateTime64(6, 'UTC')
)
ENGINE = ReplacingMergeTree(computed_at)
PARTITION BY toYYYYMM(window_start)
ORDER BY (project_id, window_start, monitor_id, segment);

CREATE TABLE IF NOT EXISTS drift_signals
(
    project_id LowCardinality(String),
    run_id String,
    monitor_id String,
    window_start DateTime64(3, 'UTC'),
    window_end DateTime64(3, 'UTC'),
    segment String,
    signal String,
    kind LowCardinality(String),
    status LowCardinality(String),
    test String,
    score Nullable(Float64),
    threshold Nullable(Float64),
    n_current UInt32,
    n_reference UInt32,
    computed_at DateTime64(6, 'UTC')
)
ENGINE = ReplacingMergeTree(computed_at)
PARTITION BY toYYYYMM(window_start)
ORDER BY (project_id, window_start, monitor_id, segment, signal);

CREATE TABLE IF NOT EXISTS drift_reports
(
    project_id LowCardinality(String),
    run_id String,
    html String CODEC(ZSTD(3)),
    computed_at DateTime64(6, 'UTC')
)
ENGINE = ReplacingMergeTree(computed_at)
ORDER BY (project_id, run_id);
