-- Annotation queues: saved filters over production traffic that people review. The queue spec is
-- configuration (a versioned row per queue, like datasets). Items are the events a queue took in (once each);
-- claims are reviewers' leases on items (the newest row per reviewer and item wins; releasing writes an expiry
-- in the past); reviews are what reviewers recorded, one per reviewer and item. A queue's completed items are
-- also kept as a dataset draft under the queue's id in dataset_items, so they export in every dataset format.

CREATE TABLE IF NOT EXISTS review_queues
(
    project_id String,
    queue_id String,
    spec String,
    created_at DateTime64(3, 'UTC'),
    deleted UInt8 DEFAULT 0,
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (project_id, queue_id);

CREATE TABLE IF NOT EXISTS review_items
(
    project_id String,
    queue_id String,
    event_id UUID,
    event_ts DateTime64(3, 'UTC'),
    added_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(added_at)
ORDER BY (project_id, queue_id, event_id);

CREATE TABLE IF NOT EXISTS review_claims
(
    project_id String,
    queue_id String,
    event_id UUID,
    reviewer String,
    expires_at DateTime64(3, 'UTC'),
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (project_id, queue_id, event_id, reviewer);

CREATE TABLE IF NOT EXISTS reviews
(
    project_id String,
    queue_id String,
    event_id UUID,
    reviewer String,
    review_id String,
    categories Array(String),
    score Nullable(UInt8),
    text String,
    corrected_answer Nullable(String),
    verdicts String,
    created_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(created_at)
ORDER BY (project_id, queue_id, event_id, reviewer);
