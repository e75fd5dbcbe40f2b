-- Stretches of the log that an evaluator left unscored under the overload policy `sample`, per project:
-- the events in (received_after, received_to] outside the sample are scored later (backfill, or
-- `telltale replay --skipped`), which writes the row again with filled = 1.
CREATE TABLE IF NOT EXISTS evaluation_gaps
(
    project_id String,
    evaluator String,
    received_after DateTime64(6, 'UTC'),
    received_to DateTime64(6, 'UTC'),
    sample_rate Float64,
    skipped UInt64,
    filled UInt8,
    updated_at DateTime64(6, 'UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (project_id, evaluator, received_after, received_to);
