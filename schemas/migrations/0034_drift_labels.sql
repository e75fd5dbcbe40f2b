-- Drift results carry the catalog's labels as columns, derived by the store from the segment they were computed
-- for ('model=gpt-4o' -> model 'gpt-4o', the other labels ''; 'all' -> every label ''), so a rule or chart filters
-- and groups drift results by the same label columns as every other metric's rollups. Drift results are already
-- one row per window, segment (and signal): a rollup whose size follows the windows, not the traffic.
-- ALIAS columns: computed on read (the tables are small), so rows written before this migration have them too.

ALTER TABLE drift_runs ADD COLUMN IF NOT EXISTS model String ALIAS if(startsWith(segment, 'model='), substring(segment, 7), '');
ALTER TABLE drift_runs ADD COLUMN IF NOT EXISTS route String ALIAS if(startsWith(segment, 'route='), substring(segment, 7), '');
ALTER TABLE drift_runs ADD COLUMN IF NOT EXISTS prompt_version String ALIAS if(startsWith(segment, 'prompt_version='), substring(segment, 16), '');
ALTER TABLE drift_runs ADD COLUMN IF NOT EXISTS environment String ALIAS if(startsWith(segment, 'environment='), substring(segment, 13), '');
ALTER TABLE drift_signals ADD COLUMN IF NOT EXISTS model String ALIAS if(startsWith(segment, 'model='), substring(segment, 7), '');
ALTER TABLE drift_signals ADD COLUMN IF NOT EXISTS route String ALIAS if(startsWith(segment, 'route='), substring(segment, 7), '');
ALTER TABLE drift_signals ADD COLUMN IF NOT EXISTS prompt_version String ALIAS if(startsWith(segment, 'prompt_version='), substring(segment, 16), '');
ALTER TABLE drift_signals ADD COLUMN IF NOT EXISTS environment String ALIAS if(startsWith(segment, 'environment='), substring(segment, 13), '');
