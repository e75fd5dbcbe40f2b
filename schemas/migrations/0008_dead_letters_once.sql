-- Dead letters are filed once: every one carries a deterministic dead_letter_id (a hash of where it came from,
-- why it was refused and its bytes), so a re-delivered poison record, a retried batch or a re-sent refused item
-- writes the same row again and ReplacingMergeTree + FINAL keep one. The id alone is the key: a redelivery's
-- received_at differs, so it can neither sort nor partition the table.

CREATE TABLE IF NOT EXISTS dead_letters_v2
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
ENGINE = ReplacingMergeTree
ORDER BY (project_id, dead_letter_id);

INSERT INTO dead_letters_v2
SELECT project_id, dead_letter_id, received_at, source, kind, item_index, event_id, reason, errors, raw, raw_truncated
FROM dead_letters;

DROP TABLE IF EXISTS dead_letters;
