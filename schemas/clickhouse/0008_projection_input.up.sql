-- The projector's single write per batch: every new event of the batch, as it came from the log
-- (envelope, payload JSON, log position), plus the few columns that need earlier events (a
-- verdict's checkpoint, iteration, benchmark and answer from its sample; a sample's benchmark from
-- its problem) and the lineage edges the event states. The Null engine keeps nothing: the
-- materialized views below fan each block out into the per-type tables, extracting payload fields
-- with JSONExtract*. One insert carries one deduplication token; with
-- deduplicate_blocks_in_dependent_materialized_views every view deduplicates its own block under
-- it, so a retry fills what a crash left out and nothing twice.
CREATE TABLE IF NOT EXISTS projection_input {{ON_CLUSTER}}
(
    event_id String,
    type LowCardinality(String),
    schema_version UInt16,
    team LowCardinality(String),
    experiment_id String,
    run_id String,
    seq UInt64,
    producer LowCardinality(String),
    occurred_at DateTime64(3, 'UTC'),
    parents Array(String),
    payload String,
    log_partition UInt32,
    log_offset UInt64,
    appended_at DateTime64(3, 'UTC'),
    fact_problem_id String,
    fact_benchmark String,
    fact_checkpoint_id String,
    fact_iteration Nullable(UInt32),
    fact_answer String,
    lineage_id String,
    lineage_kind String,
    lineage_parent_ids Array(String),
    lineage_parent_kinds Array(String),
    lineage_relations Array(String)
)
ENGINE = Null;

CREATE MATERIALIZED VIEW IF NOT EXISTS projection_events_mv {{ON_CLUSTER}} TO events
AS SELECT
    toUUID(event_id) AS event_id, type, schema_version, team, experiment_id, run_id, seq, producer, occurred_at,
    parents, payload, log_partition, log_offset, appended_at
FROM projection_input;

CREATE MATERIALIZED VIEW IF NOT EXISTS projection_ledger_mv {{ON_CLUSTER}} TO projected_events
AS SELECT event_id, log_partition, log_offset
FROM projection_input;

CREATE MATERIALIZED VIEW IF NOT EXISTS projection_runs_mv {{ON_CLUSTER}} TO runs
AS SELECT
    team, experiment_id, run_id,
    if(type = 'run.started', JSONExtract(payload, 'name', 'Nullable(String)'), NULL) AS name,
    if(type = 'run.started', JSONExtractRaw(payload, 'config'), NULL) AS config,
    if(type = 'run.started', JSONExtract(payload, 'seed', 'Nullable(UInt32)'), NULL) AS seed,
    if(type = 'run.started', JSONExtract(payload, 'codeVersion', 'Nullable(String)'), NULL) AS code_version,
    if(type = 'run.started', JSONExtract(payload, 'parentRunId', 'Nullable(String)'), NULL) AS parent_run_id,
    if(type = 'run.started', JSONExtract(payload, 'forkedAtOffset', 'Nullable(UInt64)'), NULL) AS forked_at_offset,
    if(type = 'run.started', occurred_at, NULL) AS started_at,
    if(type = 'run.finished', occurred_at, NULL) AS finished_at,
    if(type = 'run.finished', JSONExtract(payload, 'status', 'Nullable(String)'), NULL) AS status,
    if(type = 'run.finished', JSONExtract(payload, 'iterations', 'Nullable(UInt32)'), NULL) AS iterations,
    if(type = 'run.finished', JSONExtract(payload, 'error', 'Nullable(String)'), NULL) AS error,
    if(type = 'run.finished' AND JSONExtractRaw(payload, 'summary') NOT IN ('', 'null'), JSONExtractRaw(payload, 'summary'), NULL) AS summary
FROM projection_input
WHERE type IN ('run.started', 'run.finished');

CREATE MATERIALIZED VIEW IF NOT EXISTS projection_problems_mv {{ON_CLUSTER}} TO problems
AS SELECT
    team, experiment_id, run_id, toUUID(event_id) AS event_id, seq, occurred_at, log_partition, log_offset,
    JSONExtractString(payload, 'problemId') AS problem_id,
    JSONExtractString(payload, 'benchmark') AS benchmark,
    JSONExtractFloat(payload, 'difficulty') AS difficulty,
    JSONExtractString(payload, 'split') AS split,
    JSONExtractString(payload, 'statement') AS statement,
    JSONExtractString(payload, 'source', 'kind') AS source_kind,
    if(source_kind = 'dataset', JSONExtract(payload, 'source', 'dataset', 'Nullable(String)'), NULL) AS source_dataset,
    if(source_kind = 'dataset', JSONExtract(payload, 'source', 'version', 'Nullable(String)'), NULL) AS source_version,
    if(source_kind = 'conjectured', JSONExtract(payload, 'source', 'checkpointId', 'Nullable(String)'), NULL) AS source_checkpoint_id
FROM projection_input
WHERE type = 'problem.registered';

CREATE MATERIALIZED VIEW IF NOT EXISTS projection_samples_mv {{ON_CLUSTER}} TO samples
AS SELECT
    team, experiment_id, run_id, toUUID(event_id) AS event_id, seq, occurred_at, log_partition, log_offset,
    JSONExtractString(payload, 'sampleId') AS sample_id,
    JSONExtractString(payload, 'problemId') AS problem_id,
    fact_benchmark AS benchmark,
    JSONExtractString(payload, 'checkpointId') AS checkpoint_id,
    JSONExtract(payload, 'iteration', 'UInt32') AS iteration,
    JSONExtract(payload, 'attempt', 'UInt32') AS attempt,
    JSONExtractString(payload, 'output') AS output,
    JSONExtract(payload, 'tokens', 'UInt32') AS tokens,
    JSONExtractFloat(payload, 'logprob') AS logprob,
    JSONExtract(payload, 'seed', 'UInt32') AS seed,
    JSONExtract(payload, 'temperature', 'Nullable(Float64)') AS temperature
FROM projection_input
WHERE type = 'sample.generated';

CREATE MATERIALIZED VIEW IF NOT EXISTS projection_verifications_mv {{ON_CLUSTER}} TO verifications
AS SELECT
    team, experiment_id, run_id, toUUID(event_id) AS event_id, seq, occurred_at, log_partition, log_offset,
    JSONExtractString(payload, 'sampleId') AS sample_id,
    JSONExtractString(payload, 'problemId') AS problem_id,
    fact_benchmark AS benchmark,
    fact_checkpoint_id AS checkpoint_id,
    fact_iteration AS iteration,
    JSONExtractString(payload, 'verifierId') AS verifier_id,
    JSONExtractString(payload, 'verifierVersion') AS verifier_version,
    JSONExtractString(payload, 'verdict') AS verdict,
    fact_answer AS answer,
    if(JSONExtractRaw(payload, 'details') IN ('', 'null'), '{}', JSONExtractRaw(payload, 'details')) AS details
FROM projection_input
WHERE type = 'sample.verified';

CREATE MATERIALIZED VIEW IF NOT EXISTS projection_rewards_mv {{ON_CLUSTER}} TO rewards
AS SELECT
    team, experiment_id, run_id, toUUID(event_id) AS event_id, seq, occurred_at, log_partition, log_offset,
    JSONExtractString(payload, 'sampleId') AS sample_id,
    fact_problem_id AS problem_id,
    fact_benchmark AS benchmark,
    fact_checkpoint_id AS checkpoint_id,
    JSONExtractFloat(payload, 'value') AS value,
    JSONExtract(payload, 'components', 'Map(String, Float64)') AS components,
    JSONExtractString(payload, 'rewardFunction') AS reward_function,
    JSONExtractString(payload, 'rewardVersion') AS reward_version
FROM projection_input
WHERE type = 'reward.assigned';

CREATE MATERIALIZED VIEW IF NOT EXISTS projection_decisions_mv {{ON_CLUSTER}} TO curriculum_decisions
AS SELECT
    team, experiment_id, run_id, toUUID(event_id) AS event_id, seq, occurred_at, log_partition, log_offset,
    JSONExtractString(payload, 'decisionId') AS decision_id,
    JSONExtract(payload, 'iteration', 'UInt32') AS iteration,
    JSONExtractString(payload, 'strategy') AS strategy,
    if(JSONExtractRaw(payload, 'params') IN ('', 'null'), '{}', JSONExtractRaw(payload, 'params')) AS params,
    JSONExtract(payload, 'problemIds', 'Array(String)') AS problem_ids,
    JSONExtract(payload, 'watermark', 'UInt64') AS watermark,
    JSONExtract(payload, 'seed', 'UInt32') AS seed,
    JSONExtractString(payload, 'outputHash') AS output_hash
FROM projection_input
WHERE type = 'curriculum.decided';

CREATE MATERIALIZED VIEW IF NOT EXISTS projection_replay_batches_mv {{ON_CLUSTER}} TO replay_batches
AS SELECT
    team, experiment_id, run_id, toUUID(event_id) AS event_id, seq, occurred_at, log_partition, log_offset,
    JSONExtractString(payload, 'batchId') AS batch_id,
    JSONExtract(payload, 'iteration', 'UInt32') AS iteration,
    JSONExtractString(payload, 'strategy') AS strategy,
    if(JSONExtractRaw(payload, 'params') IN ('', 'null'), '{}', JSONExtractRaw(payload, 'params')) AS params,
    JSONExtract(payload, 'sampleIds', 'Array(String)') AS sample_ids,
    JSONExtract(payload, 'epoch', 'Nullable(UInt32)') AS epoch,
    JSONExtract(payload, 'watermark', 'UInt64') AS watermark,
    JSONExtract(payload, 'seed', 'UInt32') AS seed,
    JSONExtractString(payload, 'outputHash') AS output_hash
FROM projection_input
WHERE type = 'replay.batch';

CREATE MATERIALIZED VIEW IF NOT EXISTS projection_model_updates_mv {{ON_CLUSTER}} TO model_updates
AS SELECT
    team, experiment_id, run_id, toUUID(event_id) AS event_id, seq, occurred_at, log_partition, log_offset,
    JSONExtractString(payload, 'checkpointId') AS checkpoint_id,
    JSONExtract(payload, 'parentCheckpointId', 'Nullable(String)') AS parent_checkpoint_id,
    JSONExtract(payload, 'batchIds', 'Array(String)') AS batch_ids,
    JSONExtract(payload, 'step', 'UInt64') AS step,
    JSONExtractFloat(payload, 'loss') AS loss,
    JSONExtractString(payload, 'artifactUri') AS artifact_uri,
    JSONExtractString(payload, 'sha256') AS sha256
FROM projection_input
WHERE type = 'model.updated';

CREATE MATERIALIZED VIEW IF NOT EXISTS projection_evaluations_mv {{ON_CLUSTER}} TO evaluations
AS SELECT
    team, experiment_id, run_id, toUUID(event_id) AS event_id, seq, occurred_at, log_partition, log_offset,
    JSONExtractString(payload, 'checkpointId') AS checkpoint_id,
    JSONExtractString(payload, 'benchmark') AS benchmark,
    JSONExtractString(payload, 'split') AS split,
    JSONExtract(payload, 'problems', 'UInt32') AS problems,
    JSONExtract(payload, 'samplesPerProblem', 'UInt32') AS samples_per_problem,
    JSONExtract(payload, 'k', 'UInt32') AS k,
    JSONExtractFloat(payload, 'passAt1') AS pass_at_1,
    JSONExtractFloat(payload, 'passAtK') AS pass_at_k,
    JSONExtractFloat(payload, 'majAtK') AS maj_at_k,
    JSONExtractFloat(payload, 'meanReward') AS mean_reward,
    JSONExtract(payload, 'solved', 'UInt32') AS solved
FROM projection_input
WHERE type = 'evaluation.completed';

-- Edges the projector states (src/projection/lineage-edges.ts), one array element per parent; the
-- typed edges of samples, verdicts and rewards keep coming from their tables (0007).
CREATE MATERIALIZED VIEW IF NOT EXISTS projection_lineage_mv {{ON_CLUSTER}} TO lineage_edges
AS SELECT
    team, experiment_id, run_id, parent_id, parent_kind,
    lineage_id AS child_id, lineage_kind AS child_kind, relation, occurred_at
FROM projection_input
ARRAY JOIN lineage_parent_ids AS parent_id, lineage_parent_kinds AS parent_kind, lineage_relations AS relation;
