-- Back to the default granularity and the full sort key as primary key, rewritten the same way as in 0008's up.
DROP VIEW IF EXISTS lineage_edges_by_child_rewrite_mv {{ON_CLUSTER}} SYNC;
DROP TABLE IF EXISTS lineage_edges_by_child_rewrite {{ON_CLUSTER}} SYNC;
CREATE TABLE lineage_edges_by_child_rewrite {{ON_CLUSTER}}
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
SETTINGS index_granularity = 8192, non_replicated_deduplication_window = 1000;
CREATE MATERIALIZED VIEW lineage_edges_by_child_rewrite_mv {{ON_CLUSTER}} TO lineage_edges_by_child_rewrite AS SELECT * FROM lineage_edges_by_child;
INSERT INTO lineage_edges_by_child_rewrite SELECT * FROM lineage_edges_by_child;
EXCHANGE TABLES lineage_edges_by_child AND lineage_edges_by_child_rewrite {{ON_CLUSTER}};
DROP VIEW lineage_edges_by_child_rewrite_mv {{ON_CLUSTER}} SYNC;
DROP TABLE lineage_edges_by_child_rewrite {{ON_CLUSTER}} SYNC;

DROP VIEW IF EXISTS lineage_edges_rewrite_mv {{ON_CLUSTER}} SYNC;
DROP TABLE IF EXISTS lineage_edges_rewrite {{ON_CLUSTER}} SYNC;
CREATE TABLE lineage_edges_rewrite {{ON_CLUSTER}}
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
SETTINGS index_granularity = 8192, non_replicated_deduplication_window = 1000;
CREATE MATERIALIZED VIEW lineage_edges_rewrite_mv {{ON_CLUSTER}} TO lineage_edges_rewrite AS SELECT * FROM lineage_edges;
INSERT INTO lineage_edges_rewrite SELECT * FROM lineage_edges;
EXCHANGE TABLES lineage_edges AND lineage_edges_rewrite {{ON_CLUSTER}};
DROP VIEW lineage_edges_rewrite_mv {{ON_CLUSTER}} SYNC;
DROP TABLE lineage_edges_rewrite {{ON_CLUSTER}} SYNC;
