-- Verdicts and rewards, sorted like samples so a sample's verdicts and rewards are neighbours.
-- checkpoint_id, iteration and benchmark come from the sample (resolved at projection time from the
-- same run's earlier events); answer is what majority voting counts.
CREATE TABLE IF NOT EXISTS verifications {{ON_CLUSTER}}
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
    iteration Nullable(UInt32),
    verifier_id LowCardinality(String),
    verifier_version LowCardinality(String),
    verdict Enum8('correct' = 1, 'incorrect' = 2, 'error' = 3, 'abstain' = 4),
    answer String,
    details String CODEC(ZSTD(3))
)
ENGINE = {{REPLICATED}}ReplacingMergeTree
ORDER BY (team, run_id, sample_id, event_id)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS rewards {{ON_CLUSTER}}
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
    value Float64,
    components Map(String, Float64),
    reward_function LowCardinality(String),
    reward_version LowCardinality(String)
)
ENGINE = {{REPLICATED}}ReplacingMergeTree
ORDER BY (team, run_id, sample_id, event_id)
SETTINGS non_replicated_deduplication_window = 1000;
