-- Telltale v1 storage. Event tables deduplicate on (project_id, ts, event_id): the ingest
-- refuses a known event_id up front, and ReplacingMergeTree + FINAL removes any re-send that races it.

CREATE TABLE IF NOT EXISTS projects
(
    project_id String,
    name String,
    created_at DateTime64(3, 'UTC'),
    updated_at DateTime64(3, 'UTC'),
    deleted UInt8 DEFAULT 0
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY project_id;

CREATE TABLE IF NOT EXISTS api_keys
(
    key_hash String,
    key_id String,
    project_id String,
    name String,
    scopes Array(LowCardinality(String)),
    created_at DateTime64(3, 'UTC'),
    expires_at Nullable(DateTime64(3, 'UTC')),
    revoked UInt8 DEFAULT 0,
    updated_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY key_hash;

CREATE TABLE IF NOT EXISTS inference_events
(
    project_id LowCardinality(String),
    event_id UUID,
    ts DateTime64(3, 'UTC'),
    received_at DateTime64(6, 'UTC'),
    schema_version UInt8,
    trace_id String,
    span_id String,
    parent_span_id String,
    app LowCardinality(String),
    route LowCardinality(String),
    environment LowCardinality(String),
    model LowCardinality(String),
    provider LowCardinality(String),
    prompt_version LowCardinality(String),
    input_text String,
    input_messages String,
    output Nullable(String),
    contexts String,
    context_count UInt16,
    input_tokens Nullable(UInt32),
    output_tokens Nullable(UInt32),
    total_tokens Nullable(UInt32),
    cost Nullable(Float64),
    latency_ms Nullable(Float64),
    status LowCardinality(String),
    error Nullable(String),
    user_id String,
    session_id String,
    tags Array(String),
    attributes String,
    INDEX idx_event_id event_id TYPE bloom_filter GRANULARITY 4,
    INDEX idx_trace_id trace_id TYPE bloom_filter GRANULARITY 4,
    INDEX idx_received_at received_at TYPE minmax GRANULARITY 1
)
ENGINE = ReplacingMergeTree(received_at)
PARTITION BY toYYYYMM(ts)
ORDER BY (project_id, ts, event_id);

CREATE TABLE IF NOT EXISTS feedback_events
(
    project_id LowCardinality(String),
    event_id UUID,
    inference_id Nullable(UUID),
    trace_id String,
    ts DateTime64(3, 'UTC'),
    received_at DateTime64(6, 'UTC'),
    schema_version UInt8,
    kind LowCardinality(String),
    value String,
    score Nullable(Float64),
    negative UInt8,
    correction Nullable(String),
    comment Nullable(String),
    source LowCardinality(String),
    user_id String,
    tags Array(String),
    attributes String,
    INDEX idx_event_id event_id TYPE bloom_filter GRANULARITY 4,
    INDEX idx_inference_id inference_id TYPE bloom_filter GRANULARITY 4,
    INDEX idx_trace_id trace_id TYPE bloom_filter GRANULARITY 4
)
ENGINE = ReplacingMergeTree(received_at)
PARTITION BY toYYYYMM(ts)
ORDER BY (project_id, ts, event_id);

CREATE TABLE IF NOT EXISTS evaluations
(
    project_id LowCardinality(String),
    event_id UUID,
    ts DateTime64(3, 'UTC'),
    evaluator LowCardinality(String),
    evaluator_version LowCardinality(String),
    metric LowCardinality(String),
    value Nullable(Float64),
    label LowCardinality(String),
    details String,
    model LowCardinality(String),
    route LowCardinality(String),
    prompt_version LowCardinality(String),
    environment LowCardinality(String),
    created_at DateTime64(3, 'UTC'),
    INDEX idx_event_id event_id TYPE bloom_filter GRANULARITY 4
)
ENGINE = ReplacingMergeTree(created_at)
PARTITION BY toYYYYMM(ts)
ORDER BY (project_id, ts, event_id, evaluator, evaluator_version, metric);

CREATE TABLE IF NOT EXISTS dead_letters
(
    project_id LowCardinality(String),
    dead_letter_id UUID,
    received_at DateTime64(3, 'UTC'),
    source LowCardinality(String),
    kind LowCardinality(String),
    item_index Int32,
    event_id String,
    reason String,
    errors String,
    raw String,
    raw_truncated UInt8
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(received_at)
ORDER BY (project_id, received_at, dead_letter_id);

CREATE TABLE IF NOT EXISTS runner_checkpoints
(
    runner String,
    position DateTime64(6, 'UTC'),
    updated_at DateTime64(6, 'UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY runner;
