-- The lineage graph: an edge says child_id was derived from parent_id. Nodes are entity ids
-- (run, problem, sample, decision, batch, checkpoint) or, for verifications, rewards and
-- evaluations, their event id. A walk down reads lineage_edges by parent; a walk up reads
-- lineage_edges_by_child by child; each hop is one range read on the sort key. The same edge stated
-- by two events collapses to one row.
CREATE TABLE IF NOT EXISTS lineage_edges {{ON_CLUSTER}}
(
    team LowCardinality(String),
    experiment_id String,
    run_id String,
    parent_id String,
    parent_kind LowCardinality(String),
    child_id String,
    child_kind LowCardinality(String),
    relation LowCardinality(String),
    occurred_at DateTime64(3, 'UTC')
)
ENGINE = {{REPLICATED}}ReplacingMergeTree(occurred_at)
ORDER BY (team, parent_id, child_id, relation, run_id)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS lineage_edges_by_child {{ON_CLUSTER}}
(
    team LowCardinality(String),
    experiment_id String,
    run_id String,
    parent_id String,
    parent_kind LowCardinality(String),
    child_id String,
    child_kind LowCardinality(String),
    relation LowCardinality(String),
    occurred_at DateTime64(3, 'UTC')
)
ENGINE = {{REPLICATED}}ReplacingMergeTree(occurred_at)
ORDER BY (team, child_id, parent_id, relation, run_id)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS lineage_edges_by_child_mv {{ON_CLUSTER}} TO lineage_edges_by_child
AS SELECT * FROM lineage_edges;
