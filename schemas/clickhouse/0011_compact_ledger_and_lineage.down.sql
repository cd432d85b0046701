-- Back to the shapes of 0001 and 0005: the ledger keyed by the id as a string, default codecs.
ALTER TABLE events {{ON_CLUSTER}}
    MODIFY COLUMN event_id REMOVE CODEC,
    MODIFY COLUMN seq REMOVE CODEC,
    MODIFY COLUMN occurred_at REMOVE CODEC,
    MODIFY COLUMN parents REMOVE CODEC,
    MODIFY COLUMN log_offset REMOVE CODEC,
    MODIFY COLUMN appended_at REMOVE CODEC;
ALTER TABLE lineage_edges_by_child {{ON_CLUSTER}}
    MODIFY COLUMN experiment_id String,
    MODIFY COLUMN run_id String,
    MODIFY COLUMN parent_id REMOVE CODEC,
    MODIFY COLUMN child_id REMOVE CODEC,
    MODIFY COLUMN occurred_at REMOVE CODEC
    SETTINGS mutations_sync = 2;
ALTER TABLE lineage_edges {{ON_CLUSTER}}
    MODIFY COLUMN experiment_id String,
    MODIFY COLUMN run_id String,
    MODIFY COLUMN parent_id REMOVE CODEC,
    MODIFY COLUMN child_id REMOVE CODEC,
    MODIFY COLUMN occurred_at REMOVE CODEC
    SETTINGS mutations_sync = 2;

CREATE TABLE IF NOT EXISTS projected_events_by_string {{ON_CLUSTER}}
(
    event_id String,
    log_partition UInt32,
    log_offset UInt64
)
ENGINE = {{REPLICATED}}ReplacingMergeTree
ORDER BY event_id
SETTINGS non_replicated_deduplication_window = 1000;
INSERT INTO projected_events_by_string SELECT toString(event_id), log_partition, log_offset FROM projected_events;
DROP TABLE projected_events {{ON_CLUSTER}} SYNC;
RENAME TABLE projected_events_by_string TO projected_events {{ON_CLUSTER}};
