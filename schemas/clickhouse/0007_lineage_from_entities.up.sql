-- The typed edges of samples, verdicts and rewards, derived inside ClickHouse from the rows those
-- tables receive: they are most of the lineage volume, and deriving them here spares encoding and
-- parsing them as separate rows (the projector states every other edge itself, src/projection/lineage-edges.ts).
CREATE MATERIALIZED VIEW IF NOT EXISTS lineage_from_samples_mv {{ON_CLUSTER}} TO lineage_edges
AS SELECT
    team, experiment_id, run_id, parent_id, parent_kind,
    sample_id AS child_id, 'sample' AS child_kind, relation, occurred_at
FROM samples
ARRAY JOIN
    [problem_id, checkpoint_id] AS parent_id,
    ['problem', 'checkpoint'] AS parent_kind,
    ['attempts', 'generated_by'] AS relation;

CREATE MATERIALIZED VIEW IF NOT EXISTS lineage_from_verifications_mv {{ON_CLUSTER}} TO lineage_edges
AS SELECT
    team, experiment_id, run_id, sample_id AS parent_id, 'sample' AS parent_kind,
    toString(event_id) AS child_id, 'verification' AS child_kind, 'verifies' AS relation, occurred_at
FROM verifications;

CREATE MATERIALIZED VIEW IF NOT EXISTS lineage_from_rewards_mv {{ON_CLUSTER}} TO lineage_edges
AS SELECT
    team, experiment_id, run_id, sample_id AS parent_id, 'sample' AS parent_kind,
    toString(event_id) AS child_id, 'reward' AS child_kind, 'rewards' AS relation, occurred_at
FROM rewards;
