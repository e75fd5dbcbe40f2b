-- Per-project evaluator settings: on/off, sampling and which routes/models an evaluator judges.
-- A project without a row for an evaluator uses its defaults (enabled, every event).

CREATE TABLE IF NOT EXISTS evaluator_configs
(
    project_id String,
    evaluator String,
    enabled UInt8,
    sample_rate Float64,
    routes Array(String),
    models Array(String),
    updated_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (project_id, evaluator);
