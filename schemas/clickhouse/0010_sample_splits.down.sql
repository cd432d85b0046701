-- Back to the shape of 0006: leaderboard aggregates without a split, and no split or purpose columns.
DROP VIEW IF EXISTS leaderboard_rewards_mv {{ON_CLUSTER}} SYNC;
DROP TABLE IF EXISTS leaderboard_rewards {{ON_CLUSTER}} SYNC;
DROP VIEW IF EXISTS leaderboard_verdicts_mv {{ON_CLUSTER}} SYNC;
DROP TABLE IF EXISTS leaderboard_verdicts {{ON_CLUSTER}} SYNC;
CREATE TABLE IF NOT EXISTS leaderboard_verdicts {{ON_CLUSTER}}
(
    team LowCardinality(String),
    benchmark LowCardinality(String),
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
ORDER BY (team, benchmark, experiment_id, checkpoint_id, run_id, problem_id, verifier_id)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS leaderboard_verdicts_mv {{ON_CLUSTER}} TO leaderboard_verdicts
AS SELECT
    team, benchmark, experiment_id, checkpoint_id, run_id, problem_id, verifier_id,
    toUInt64(count()) AS attempts,
    toUInt64(countIf(verdict = 'correct')) AS correct,
    sumMap(map(answer, toUInt64(1))) AS answer_votes,
    groupUniqArrayIf(answer, verdict = 'correct') AS correct_answers
FROM verifications
GROUP BY team, benchmark, experiment_id, checkpoint_id, run_id, problem_id, verifier_id;

CREATE TABLE IF NOT EXISTS leaderboard_rewards {{ON_CLUSTER}}
(
    team LowCardinality(String),
    benchmark LowCardinality(String),
    experiment_id String,
    checkpoint_id String,
    run_id String,
    problem_id String,
    reward_function LowCardinality(String),
    rewards SimpleAggregateFunction(sum, UInt64),
    reward_sum SimpleAggregateFunction(sum, Float64)
)
ENGINE = {{REPLICATED}}AggregatingMergeTree
ORDER BY (team, benchmark, experiment_id, checkpoint_id, run_id, problem_id, reward_function)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS leaderboard_rewards_mv {{ON_CLUSTER}} TO leaderboard_rewards
AS SELECT
    team, benchmark, experiment_id, checkpoint_id, run_id, problem_id, reward_function,
    toUInt64(count()) AS rewards,
    sum(value) AS reward_sum
FROM rewards
GROUP BY team, benchmark, experiment_id, checkpoint_id, run_id, problem_id, reward_function;

INSERT INTO leaderboard_verdicts
SELECT
    team, benchmark, experiment_id, checkpoint_id, run_id, problem_id, verifier_id,
    toUInt64(count()), toUInt64(countIf(verdict = 'correct')),
    sumMap(map(answer, toUInt64(1))), groupUniqArrayIf(answer, verdict = 'correct')
FROM verifications FINAL
GROUP BY team, benchmark, experiment_id, checkpoint_id, run_id, problem_id, verifier_id;

INSERT INTO leaderboard_rewards
SELECT
    team, benchmark, experiment_id, checkpoint_id, run_id, problem_id, reward_function,
    toUInt64(count()), sum(value)
FROM rewards FINAL
GROUP BY team, benchmark, experiment_id, checkpoint_id, run_id, problem_id, reward_function;

ALTER TABLE rewards {{ON_CLUSTER}} DROP COLUMN IF EXISTS split;
ALTER TABLE verifications {{ON_CLUSTER}} DROP COLUMN IF EXISTS split;
ALTER TABLE samples {{ON_CLUSTER}} DROP COLUMN IF EXISTS purpose, DROP COLUMN IF EXISTS split;
