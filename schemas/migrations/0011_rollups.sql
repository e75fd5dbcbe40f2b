-- Per-minute rollups: what every aggregate read (metric catalog, summary, series, labels, Grafana) reads, so a
-- read costs the minutes it spans, not the events in them. Rows are rebuilt per minute from deduplicated raw
-- rows (FINAL) by the rollup builder (streams/rollups/), never summed from inserted blocks, so a re-sent event,
-- a re-evaluation or a replay cannot count twice. The store itself records which minutes changed: a
-- materialized view on each raw table counts, per project and minute, the inserts that touched it. A minute
-- is settled when its rollup was built at the change count it has now; readers take unsettled minutes (and
-- the partial minutes at a window's edges) from raw rows with the same measure definitions.

CREATE TABLE IF NOT EXISTS metric_rollups
(
    project_id LowCardinality(String),
    minute DateTime('UTC'),
    model LowCardinality(String),
    route LowCardinality(String),
    prompt_version LowCardinality(String),
    environment LowCardinality(String),
    calls UInt64,
    errors UInt64,
    timed UInt64,
    latency_bins Map(Int16, UInt64),
    latency_min Nullable(Float64),
    latency_max Nullable(Float64),
    input_tokens UInt64,
    output_tokens UInt64,
    total_tokens UInt64,
    tokened UInt64,
    evaluated Map(String, UInt64),
    flagged Map(String, UInt64),
    newest_sum Map(String, Float64),
    newest_count Map(String, UInt64),
    newest_labels Map(String, UInt64),
    newest_deciles Map(String, UInt64),
    version_sum Map(String, Float64),
    version_count Map(String, UInt64),
    feedback UInt64,
    negative UInt64,
    ratings UInt64,
    rating_sum Float64,
    built_at DateTime64(6, 'UTC'),
    deleted UInt8
)
ENGINE = ReplacingMergeTree(built_at, deleted)
PARTITION BY toYYYYMM(minute)
ORDER BY (project_id, minute, model, route, prompt_version, environment);

CREATE TABLE IF NOT EXISTS rollup_changes
(
    project_id LowCardinality(String),
    minute DateTime('UTC'),
    changes UInt64,
    changed_at SimpleAggregateFunction(max, DateTime64(3, 'UTC'))
)
ENGINE = SummingMergeTree
ORDER BY (project_id, minute);

CREATE TABLE IF NOT EXISTS rollup_minutes
(
    project_id LowCardinality(String),
    minute DateTime('UTC'),
    changes UInt64,
    built_at DateTime64(6, 'UTC')
)
ENGINE = ReplacingMergeTree(built_at)
ORDER BY (project_id, minute);

CREATE MATERIALIZED VIEW IF NOT EXISTS rollup_changes_inference TO rollup_changes AS
SELECT project_id, toStartOfMinute(ts) AS minute, toUInt64(1) AS changes, now64(3) AS changed_at
FROM inference_events GROUP BY project_id, minute;

CREATE MATERIALIZED VIEW IF NOT EXISTS rollup_changes_evaluations TO rollup_changes AS
SELECT project_id, toStartOfMinute(ts) AS minute, toUInt64(1) AS changes, now64(3) AS changed_at
FROM evaluations GROUP BY project_id, minute;

CREATE MATERIALIZED VIEW IF NOT EXISTS rollup_changes_feedback TO rollup_changes AS
SELECT project_id, toStartOfMinute(ts) AS minute, toUInt64(1) AS changes, now64(3) AS changed_at
FROM feedback_events GROUP BY project_id, minute;

-- Existing data: every minute that holds rows is marked changed (after the views exist, so no insert is
-- missed); readers take those minutes from raw rows until the builder has rolled them up (`telltale migrate`
-- does it with a progress bar; `telltale up` and `telltale alerts` in the background).
INSERT INTO rollup_changes (project_id, minute, changes, changed_at)
SELECT project_id, toStartOfMinute(ts) AS minute, toUInt64(1), now64(3) FROM inference_events GROUP BY project_id, minute
UNION ALL
SELECT project_id, toStartOfMinute(ts) AS minute, toUInt64(1), now64(3) FROM evaluations GROUP BY project_id, minute
UNION ALL
SELECT project_id, toStartOfMinute(ts) AS minute, toUInt64(1), now64(3) FROM feedback_events GROUP BY project_id, minute;
