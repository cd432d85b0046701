-- Scalars from metrics.logged, one row per (event, metric name): a narrow table, so a run may log any
-- names (an MoE router's per-expert load, per-layer norms) without a schema change. A series read is a
-- range of the sort key (team, run, name, step). event_id closes the key, so a repeated event
-- collapses while two events at one step both stay. value is NULL where the trainer logged NaN or an
-- infinity.
CREATE TABLE IF NOT EXISTS metrics {{ON_CLUSTER}}
(
    team LowCardinality(String),
    experiment_id String,
    run_id String,
    event_id UUID,
    occurred_at DateTime64(3, 'UTC'),
    step UInt64,
    name LowCardinality(String),
    value Nullable(Float64)
)
ENGINE = {{REPLICATED}}ReplacingMergeTree
ORDER BY (team, run_id, name, step, event_id)
SETTINGS non_replicated_deduplication_window = 1000;
