-- Loop decisions and checkpoints, ordered by run and iteration (or step): the per-run timeline of
-- what the curriculum chose, what the replay buffer drew and what the trainer produced.
CREATE TABLE IF NOT EXISTS curriculum_decisions {{ON_CLUSTER}}
(
    team LowCardinality(String),
    experiment_id String,
    run_id String,
    event_id UUID,
    seq UInt64,
    occurred_at DateTime64(3, 'UTC'),
    log_partition UInt32,
    log_offset UInt64,
    decision_id String,
    iteration UInt32,
    strategy LowCardinality(String),
    params String,
    problem_ids Array(String),
    watermark UInt64,
    seed UInt32,
    output_hash FixedString(64)
)
ENGINE = {{REPLICATED}}ReplacingMergeTree
ORDER BY (team, run_id, iteration, decision_id, event_id)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS replay_batches {{ON_CLUSTER}}
(
    team LowCardinality(String),
    experiment_id String,
    run_id String,
    event_id UUID,
    seq UInt64,
    occurred_at DateTime64(3, 'UTC'),
    log_partition UInt32,
    log_offset UInt64,
    batch_id String,
    iteration UInt32,
    strategy LowCardinality(String),
    params String,
    sample_ids Array(String),
    epoch Nullable(UInt32),
    watermark UInt64,
    seed UInt32,
    output_hash FixedString(64)
)
ENGINE = {{REPLICATED}}ReplacingMergeTree
ORDER BY (team, run_id, iteration, batch_id, event_id)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS model_updates {{ON_CLUSTER}}
(
    team LowCardinality(String),
    experiment_id String,
    run_id String,
    event_id UUID,
    seq UInt64,
    occurred_at DateTime64(3, 'UTC'),
    log_partition UInt32,
    log_offset UInt64,
    checkpoint_id String,
    parent_checkpoint_id Nullable(String),
    batch_ids Array(String),
    step UInt64,
    loss Float64,
    artifact_uri String,
    sha256 FixedString(64)
)
ENGINE = {{REPLICATED}}ReplacingMergeTree
ORDER BY (team, run_id, step, checkpoint_id, event_id)
SETTINGS non_replicated_deduplication_window = 1000;

-- Evaluations by benchmark first: they feed benchmark leaderboards as they are reported.
CREATE TABLE IF NOT EXISTS evaluations {{ON_CLUSTER}}
(
    team LowCardinality(String),
    experiment_id String,
    run_id String,
    event_id UUID,
    seq UInt64,
    occurred_at DateTime64(3, 'UTC'),
    log_partition UInt32,
    log_offset UInt64,
    checkpoint_id String,
    benchmark LowCardinality(String),
    split Enum8('train' = 1, 'heldout' = 2),
    problems UInt32,
    samples_per_problem UInt32,
    k UInt32,
    pass_at_1 Float64,
    pass_at_k Float64,
    maj_at_k Float64,
    mean_reward Float64,
    solved UInt32
)
ENGINE = {{REPLICATED}}ReplacingMergeTree
ORDER BY (team, benchmark, checkpoint_id, event_id)
SETTINGS non_replicated_deduplication_window = 1000;
