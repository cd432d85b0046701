-- One row per run, folded from run.started and run.finished: each column keeps the value of the
-- event that sets it, so a repeated event changes nothing. Read with FINAL (or GROUP BY the key).
CREATE TABLE IF NOT EXISTS runs {{ON_CLUSTER}}
(
    team LowCardinality(String),
    experiment_id String,
    run_id String,
    name SimpleAggregateFunction(anyLast, Nullable(String)),
    config SimpleAggregateFunction(anyLast, Nullable(String)),
    seed SimpleAggregateFunction(anyLast, Nullable(UInt32)),
    code_version SimpleAggregateFunction(anyLast, Nullable(String)),
    parent_run_id SimpleAggregateFunction(anyLast, Nullable(String)),
    forked_at_offset SimpleAggregateFunction(anyLast, Nullable(UInt64)),
    started_at SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
    finished_at SimpleAggregateFunction(max, Nullable(DateTime64(3, 'UTC'))),
    status SimpleAggregateFunction(anyLast, Nullable(String)),
    iterations SimpleAggregateFunction(max, Nullable(UInt32)),
    error SimpleAggregateFunction(anyLast, Nullable(String)),
    summary SimpleAggregateFunction(anyLast, Nullable(String))
)
ENGINE = {{REPLICATED}}AggregatingMergeTree
ORDER BY (team, experiment_id, run_id)
SETTINGS non_replicated_deduplication_window = 1000;

-- Problems as each run registered them; (team, problem_id) first so lineage and benchmark lookups are
-- point reads. Tables below keep one row per event: event_id closes every sort key, so a duplicate
-- event collapses while two different events about one entity both stay visible.
CREATE TABLE IF NOT EXISTS problems {{ON_CLUSTER}}
(
    team LowCardinality(String),
    experiment_id String,
    run_id String,
    event_id UUID,
    seq UInt64,
    occurred_at DateTime64(3, 'UTC'),
    log_partition UInt32,
    log_offset UInt64,
    problem_id String,
    benchmark LowCardinality(String),
    difficulty Float64,
    split Enum8('train' = 1, 'heldout' = 2),
    statement String CODEC(ZSTD(3)),
    source_kind Enum8('dataset' = 1, 'conjectured' = 2),
    source_dataset Nullable(String),
    source_version Nullable(String),
    source_checkpoint_id Nullable(String)
)
ENGINE = {{REPLICATED}}ReplacingMergeTree
ORDER BY (team, problem_id, run_id, event_id)
SETTINGS non_replicated_deduplication_window = 1000;

-- Samples by run (the samples page and per-run timelines), with the problem's benchmark copied in at
-- projection time so leaderboards never join back to problems.
CREATE TABLE IF NOT EXISTS samples {{ON_CLUSTER}}
(
    team LowCardinality(String),
    experiment_id String,
    run_id String,
    event_id UUID,
    seq UInt64,
    occurred_at DateTime64(3, 'UTC'),
    log_partition UInt32,
    log_offset UInt64,
    sample_id String,
    problem_id String,
    benchmark LowCardinality(String),
    checkpoint_id String,
    iteration UInt32,
    attempt UInt32,
    output String CODEC(ZSTD(3)),
    tokens UInt32,
    logprob Float64,
    seed UInt32,
    temperature Nullable(Float64),
    INDEX idx_checkpoint checkpoint_id TYPE bloom_filter(0.01) GRANULARITY 4,
    INDEX idx_problem problem_id TYPE bloom_filter(0.01) GRANULARITY 4
)
ENGINE = {{REPLICATED}}ReplacingMergeTree
ORDER BY (team, run_id, sample_id, event_id)
SETTINGS non_replicated_deduplication_window = 1000;
