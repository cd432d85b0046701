-- Leaderboards read one row per group instead of one per problem: aggregate projections keep, per
-- team, benchmark, experiment, checkpoint, run and verifier (or reward function), the per-problem
-- attempt and correct counts as one sumMap (problem ids, attempts, corrects) and the reward sums.
-- A projection lives inside each part, so it is exact at every moment (no view to backfill, no
-- window between a backfill and a view), and a query whose aggregates it holds reads it instead of
-- the table (src/queries/leaderboard.ts writes the same expressions). Aggregating tables need
-- deduplicate_merge_projection_mode = 'rebuild': a merge folds rows, so it rebuilds the projection.
-- MATERIALIZE builds it for parts written before this migration; running it again is harmless.
ALTER TABLE leaderboard_verdicts {{ON_CLUSTER}} MODIFY SETTING deduplicate_merge_projection_mode = 'rebuild';

ALTER TABLE leaderboard_verdicts {{ON_CLUSTER}} ADD PROJECTION IF NOT EXISTS problems_by_group
(
    SELECT team, benchmark, experiment_id, checkpoint_id, run_id, verifier_id, sumMap([problem_id], [attempts], [correct])
    GROUP BY team, benchmark, experiment_id, checkpoint_id, run_id, verifier_id
);

ALTER TABLE leaderboard_verdicts {{ON_CLUSTER}} MATERIALIZE PROJECTION problems_by_group SETTINGS mutations_sync = 2;

ALTER TABLE leaderboard_rewards {{ON_CLUSTER}} MODIFY SETTING deduplicate_merge_projection_mode = 'rebuild';

ALTER TABLE leaderboard_rewards {{ON_CLUSTER}} ADD PROJECTION IF NOT EXISTS rewards_by_group
(
    SELECT team, benchmark, experiment_id, checkpoint_id, run_id, reward_function, sum(rewards), sum(reward_sum)
    GROUP BY team, benchmark, experiment_id, checkpoint_id, run_id, reward_function
);

ALTER TABLE leaderboard_rewards {{ON_CLUSTER}} MATERIALIZE PROJECTION rewards_by_group SETTINGS mutations_sync = 2;
