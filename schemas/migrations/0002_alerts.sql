-- Alerting. Configuration written by the API (rules, silences, acknowledgements) lives in small
-- ReplacingMergeTree tables keyed by id with a version column; the alert engine owns alert_states,
-- alert_notifications (the notification log and durable outbox) and alert_lease. History and
-- delivery attempts are append-only MergeTree logs ordered by (project_id, time, id).

CREATE TABLE IF NOT EXISTS alert_rules
(
    project_id String,
    rule_id String,
    spec String,
    created_at DateTime64(3, 'UTC'),
    deleted UInt8 DEFAULT 0,
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (project_id, rule_id);

CREATE TABLE IF NOT EXISTS alert_silences
(
    project_id String,
    silence_id String,
    matchers String,
    starts_at DateTime64(3, 'UTC'),
    ends_at DateTime64(3, 'UTC'),
    created_by String,
    comment String,
    created_at DateTime64(3, 'UTC'),
    deleted UInt8 DEFAULT 0,
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (project_id, silence_id);

CREATE TABLE IF NOT EXISTS alert_acks
(
    project_id String,
    fingerprint String,
    active_since DateTime64(3, 'UTC'),
    acked_by String,
    comment String,
    acked_at DateTime64(3, 'UTC'),
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (project_id, fingerprint, active_since);

CREATE TABLE IF NOT EXISTS alert_states
(
    project_id String,
    fingerprint String,
    rule_id String,
    labels String,
    state LowCardinality(String),
    value Nullable(Float64),
    samples UInt64,
    active_since Nullable(DateTime64(3, 'UTC')),
    fired_at Nullable(DateTime64(3, 'UTC')),
    resolved_at Nullable(DateTime64(3, 'UTC')),
    evaluated_at DateTime64(3, 'UTC'),
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (project_id, fingerprint);

CREATE TABLE IF NOT EXISTS alert_history
(
    project_id LowCardinality(String),
    at DateTime64(3, 'UTC'),
    fingerprint String,
    rule_id String,
    from_state LowCardinality(String),
    to_state LowCardinality(String),
    value Nullable(Float64),
    samples UInt64
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(at)
ORDER BY (project_id, at, fingerprint);

CREATE TABLE IF NOT EXISTS alert_notifications
(
    project_id String,
    notification_id String,
    group_key String,
    channel String,
    seq UInt64,
    created_at DateTime64(3, 'UTC'),
    firing Array(String),
    resolved Array(String),
    body String,
    status LowCardinality(String),
    queued_at DateTime64(3, 'UTC'),
    attempts UInt32,
    next_attempt_at DateTime64(3, 'UTC'),
    last_error String,
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (project_id, notification_id);

CREATE TABLE IF NOT EXISTS alert_deliveries
(
    project_id LowCardinality(String),
    at DateTime64(3, 'UTC'),
    delivery_id UUID,
    notification_id String,
    group_key String,
    channel String,
    attempt UInt32,
    outcome LowCardinality(String),
    status_code UInt16,
    error String,
    duration_ms Float64
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(at)
ORDER BY (project_id, at, delivery_id);

CREATE TABLE IF NOT EXISTS alert_lease
(
    name String,
    holder String,
    expires_at DateTime64(3, 'UTC'),
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY name;
