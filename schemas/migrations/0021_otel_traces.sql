-- OpenTelemetry traces arrive span by span, in any order and in several requests. An LLM span waits in
-- otel_held_calls (until its trace's retriever span arrives or the hold expires); retriever spans wait in
-- otel_retrievals for LLM spans of their trace that come later. Both survive a restart; a released call is
-- re-inserted with released = 1, which FINAL drops.

CREATE TABLE IF NOT EXISTS otel_held_calls
(
    project_id LowCardinality(String),
    trace_id String,
    span_id String,
    start_ns Int64,
    event String,
    held_at DateTime64(6, 'UTC'),
    version DateTime64(6, 'UTC'),
    released UInt8
)
ENGINE = ReplacingMergeTree(version, released)
ORDER BY (project_id, trace_id, span_id)
TTL toDateTime(held_at) + INTERVAL 7 DAY;

CREATE TABLE IF NOT EXISTS otel_retrievals
(
    project_id LowCardinality(String),
    trace_id String,
    span_id String,
    start_ns Int64,
    end_ns Int64,
    passages String,
    received_at DateTime64(6, 'UTC')
)
ENGINE = ReplacingMergeTree(received_at)
ORDER BY (project_id, trace_id, span_id)
TTL toDateTime(received_at) + INTERVAL 1 DAY;
