-- Smaller granules for the lineage tables. A lineage hop looks up hundreds of scattered ids; with
-- 8192-row granules each id read a whole granule (a sample's 3 edges cost 8192 rows), with 256-row
-- granules it reads 256. The primary key keeps only the looked-up column, so the larger index stays small in memory.
-- index_granularity cannot be altered, so each table is rewritten: a new table, fed by a view from
-- the live one while the rows are copied (nothing written meanwhile is lost), is exchanged with it
-- atomically (the views writing into the live table follow its name). Run again after a crash, it
-- discards the half-written copy and starts over: the live table always holds every row.
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
PRIMARY KEY (team, parent_id)
SETTINGS index_granularity = 256, non_replicated_deduplication_window = 1000;
CREATE MATERIALIZED VIEW lineage_edges_rewrite_mv {{ON_CLUSTER}} TO lineage_edges_rewrite AS SELECT * FROM lineage_edges;
INSERT INTO lineage_edges_rewrite SELECT * FROM lineage_edges;
EXCHANGE TABLES lineage_edges AND lineage_edges_rewrite {{ON_CLUSTER}};
DROP VIEW lineage_edges_rewrite_mv {{ON_CLUSTER}} SYNC;
DROP TABLE lineage_edges_rewrite {{ON_CLUSTER}} SYNC;

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
PRIMARY KEY (team, child_id)
SETTINGS index_granularity = 256, non_replicated_deduplication_window = 1000;
CREATE MATERIALIZED VIEW lineage_edges_by_child_rewrite_mv {{ON_CLUSTER}} TO lineage_edges_by_child_rewrite AS SELECT * FROM lineage_edges_by_child;
INSERT INTO lineage_edges_by_child_rewrite SELECT * FROM lineage_edges_by_child;
EXCHANGE TABLES lineage_edges_by_child AND lineage_edges_by_child_rewrite {{ON_CLUSTER}};
DROP VIEW lineage_edges_by_child_rewrite_mv {{ON_CLUSTER}} SYNC;
DROP TABLE lineage_edges_by_child_rewrite {{ON_CLUSTER}} SYNC;
