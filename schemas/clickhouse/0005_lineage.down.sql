DROP VIEW IF EXISTS lineage_edges_by_child_mv {{ON_CLUSTER}} SYNC;
DROP TABLE IF EXISTS lineage_edges_by_child {{ON_CLUSTER}} SYNC;
DROP TABLE IF EXISTS lineage_edges {{ON_CLUSTER}} SYNC;
