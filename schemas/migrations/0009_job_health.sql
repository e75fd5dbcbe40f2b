-- What the periodic jobs (drift, alerts, curation) last made of each monitor, rule or dataset: a row with the
-- error while it fails (since when, last seen), rewritten with an empty error once it works again. One failing
-- subject is recorded here and skipped; the others of every project go on.

CREATE TABLE IF NOT EXISTS job_health
(
    project_id LowCardinality(String),
    job LowCardinality(String),
    subject String,
    error String,
    since DateTime64(3, 'UTC'),
    at DateTime64(3, 'UTC'),
    updated_at DateTime64(6, 'UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (project_id, job, subject);
