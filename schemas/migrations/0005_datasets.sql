-- Datasets: curated production traffic for re-evaluation. Specs are configuration (ReplacingMergeTree keyed
-- by id with a version column). Versions and their items are copies, never references: an item holds the
-- event's text as it was curated (redacted when the spec asks), so a version never changes afterwards.
-- Version 0 of a dataset is its mutable draft (continuous curation and items added by id); versions 1.. are
-- frozen. Items are ordered by (project_id, dataset_id, version, position): a version is read back in pages
-- of its key range, which is what keeps exports streaming at constant memory.

CREATE TABLE IF NOT EXISTS datasets
(
    project_id String,
    dataset_id String,
    spec String,
    created_at DateTime64(3, 'UTC'),
    deleted UInt8 DEFAULT 0,
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (project_id, dataset_id);

CREATE TABLE IF NOT EXISTS dataset_versions
(
    project_id String,
    dataset_id String,
    version UInt32,
    item_count UInt64,
    content_hash String,
    spec String,
    code_version String,
    created_by String,
    created_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(created_at)
ORDER BY (project_id, dataset_id, version);

CREATE TABLE IF NOT EXISTS dataset_items
(
    project_id LowCardinality(String),
    dataset_id String,
    version UInt32,
    position UInt64,
    event_id UUID,
    event_ts DateTime64(3, 'UTC'),
    input_hash UInt64,
    input_text String,
    input_messages String,
    output Nullable(String),
    contexts String,
    ground_truth Nullable(String),
    feedback String,
    evaluations String,
    model LowCardinality(String),
    route LowCardinality(String),
    prompt_version LowCardinality(String),
    environment LowCardinality(String),
    label String,
    note String,
    added_at DateTime64(6, 'UTC'),
    item_hash FixedString(16) MATERIALIZED sipHash128(
        toString(event_id), input_text, input_messages, isNull(output), ifNull(output, ''), contexts,
        isNull(ground_truth), ifNull(ground_truth, ''), feedback, evaluations, model, route, prompt_version,
        environment, label, note)
)
ENGINE = ReplacingMergeTree(added_at)
ORDER BY (project_id, dataset_id, version, position);

CREATE TABLE IF NOT EXISTS dataset_annotations
(
    project_id String,
    dataset_id String,
    event_id UUID,
    label String,
    note String,
    corrected_answer Nullable(String),
    annotated_by String,
    annotated_at DateTime64(3, 'UTC'),
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (project_id, dataset_id, event_id);

-- A curation run's chosen events (after filters, dedup and sampling) with their positions: written once,
-- then joined by the item assembly, so the selection query runs once however many joins read it.
-- Scratch rows, dropped a day later.
CREATE TABLE IF NOT EXISTS dataset_selections
(
    project_id String,
    run_id String,
    event_id UUID,
    ts DateTime64(3, 'UTC'),
    trace_id String,
    input_hash UInt64,
    position UInt64,
    created_at DateTime DEFAULT now()
)
ENGINE = MergeTree
ORDER BY (project_id, run_id, event_id)
TTL created_at + INTERVAL 1 DAY;
