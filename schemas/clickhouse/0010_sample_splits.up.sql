-- Every sample, verdict and reward carries its problem's split (from problem.registered), and a
-- sample says whether it was drawn to train on or to evaluate the checkpoint: leaderboards rank on
-- held-out attempts, and the samples page filters by both.
ALTER TABLE samples {{ON_CLUSTER}}
    ADD COLUMN IF NOT EXISTS split Enum8('train' = 1, 'heldout' = 2) DEFAULT 'train' AFTER benchmark,
    ADD COLUMN IF NOT EXISTS purpose Enum8('training' = 1, 'evaluation' = 2) DEFAULT 'training' AFTER split;
ALTER TABLE verifications {{ON_CLUSTER}}
    ADD COLUMN IF NOT EXISTS split Enum8('train' = 1, 'heldout' = 2) DEFAULT 'train' AFTER benchmark;
ALTER TABLE rewards {{ON_CLUSTER}}
    ADD COLUMN IF NOT EXISTS split Enum8('train' = 1, 'heldout' = 2) DEFAULT 'train' AFTER benchmark;

-- Rows projected before this migration: the split of their run's registration of the problem, and
-- evaluation for the built-in evaluator's samples (their ids are RUN/e/...).
ALTER TABLE samples {{ON_CLUSTER}}
    UPDATE split = 'heldout', purpose = if(startsWith(sample_id, concat(run_id, '/e/')), 'evaluation', 'training')
    WHERE (team, run_id, problem_id) IN (SELECT team, run_id, problem_id FROM problems WHERE split = 'heldout')
    SETTINGS mutations_sync = 2, allow_nondeterministic_mutations = 1;
ALTER TABLE verifications {{ON_CLUSTER}}
    UPDATE split = 'heldout'
    WHERE (team, run_id, problem_id) IN (SELECT team, run_id, problem_id FROM problems WHERE split = 'heldout')
    SETTINGS mutations_sync = 2, allow_nondeterministic_mutations = 1;
ALTER TABLE rewards {{ON_CLUSTER}}
    UPDATE split = 'heldout'
    WHERE (team, run_id, problem_id) IN (SELECT team, run_id, problem_id FROM problems WHERE split = 'heldout')
    SETTINGS mutations_sync = 2, allow_nondeterministic_mutations = 1;

-- The leaderboard aggregates, keyed by split right after the benchmark so a held-out board reads
-- only held-out rows; rebuilt from the verdicts and rewards they summarize.
DROP VIEW IF EXISTS leaderboard_verdicts_mv {{ON_CLUSTER}} SYNC;
DROP TABLE IF EXISTS leaderboard_verdicts {{ON_CLUSTER}} SYNC;
DROP VIEW IF EXISTS leaderboard_rewards_mv {{ON_CLUSTER}} SYNC;
DROP TABLE IF EXISTS leaderboard_rewards {{ON_CLUSTER}} SYNC;

CREATE TABLE IF NOT EXISTS leaderboard_verdicts {{ON_CLUSTER}}
(
    team LowCardinality(String),
    benchmark LowCardinality(String),
    split Enum8('train' = 1, 'heldout' = 2),
    experiment_id String,
    checkpoint_id String,
    run_id String,
    problem_id String,
    verifier_id LowCardinality(String),
    attempts SimpleAggregateFunction(sum, UInt64),
    correct SimpleAggregateFunction(sum, UInt64),
    answer_votes SimpleAggregateFunction(sumMap, Map(String, UInt64)),
    correct_answers SimpleAggregateFunction(groupUniqArrayArray, Array(String))
)
ENGINE = {{REPLICATED}}AggregatingMergeTree
ORDER BY (team, benchmark, split, experiment_id, checkpoint_id, run_id, problem_id, verifier_id)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS leaderboard_verdicts_mv {{ON_CLUSTER}} TO leaderboard_verdicts
AS SELECT
    team, benchmark, split, experiment_id, checkpoint_id, run_id, problem_id, verifier_id,
    toUInt64(count()) AS attempts,
    toUInt64(countIf(verdict = 'correct')) AS correct,
    sumMap(map(answer, toUInt64(1))) AS answer_votes,
    groupUniqArrayIf(answer, verdict = 'correct') AS correct_answers
FROM verifications
GROUP BY team, benchmark, split, experiment_id, checkpoint_id, run_id, problem_id, verifier_id;

CREATE TABLE IF NOT EXISTS leaderboard_rewards {{ON_CLUSTER}}
(
    team LowCardinality(String),
    benchmark LowCardinality(String),
    split Enum8('train' = 1, 'heldout' = 2),
    experiment_id String,
    checkpoint_id String,
    run_id String,
    problem_id String,
    reward_function LowCardinality(String),
    rewards SimpleAggregateFunction(sum, UInt64),
    reward_sum SimpleAggregateFunction(sum, Float64)
)
ENGINE = {{REPLICATED}}AggregatingMergeTree
ORDER BY (team, benchmark, split, experiment_id, checkpoint_id, run_id, problem_id, reward_function)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS leaderboard_rewards_mv {{ON_CLUSTER}} TO leaderboard_rewards
AS SELECT
    team, benchmark, split, experiment_id, checkpoint_id, run_id, problem_id, reward_function,
    toUInt64(count()) AS rewards,
    sum(value) AS reward_sum
FROM rewards
GROUP BY team, benchmark, split, experiment_id, checkpoint_id, run_id, problem_id, reward_function;

INSERT INTO leaderboard_verdicts
SELECT
    team, benchmark, split, experiment_id, checkpoint_id, run_id, problem_id, verifier_id,
    toUInt64(count()), toUInt64(countIf(verdict = 'correct')),
    sumMap(map(answer, toUInt64(1))), groupUniqArrayIf(answer, verdict = 'correct')
FROM verifications FINAL
GROUP BY team, benchmark, split, experiment_id, checkpoint_id, run_id, problem_id, verifier_id;

INSERT INTO leaderboard_rewards
SELECT
    team, benchmark, split, experiment_id, checkpoint_id, run_id, problem_id, reward_function,
    toUInt64(count()), sum(value)
FROM rewards FINAL
GROUP BY team, benchmark, split, experiment_id, checkpoint_id, run_id, problem_id, reward_function;
