-- Alert hysteresis (Prometheus' keep_firing_for): since when a firing alert's value has been clear, so the
-- wait before it resolves survives a restart and a lease takeover.

ALTER TABLE alert_states ADD COLUMN IF NOT EXISTS cleared_since Nullable(DateTime64(3, 'UTC'));
