-- Per-project disparity settings: which `attributes` of the inference events segment the traffic for bias
-- monitoring (beside the detected language, always watched). A project without a row watches none.

CREATE TABLE IF NOT EXISTS disparity_settings
(
    project_id String,
    attributes Array(String),
    updated_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY project_id;
