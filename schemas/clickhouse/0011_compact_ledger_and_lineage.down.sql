-- Back to the shapes of 0001 to 0005: the ledger keyed by the id as a string, default codecs and merges.
ALTER TABLE problems {{ON_CLUSTER}}
    RESET SETTING merge_max_block_size_bytes, vertical_merge_algorithm_min_rows_to_activate, vertical_merge_algorithm_min_columns_to_activate;
ALTER TABLE samples {{ON_CLUSTER}}
    RESET SETTING merge_max_block_size_bytes, vertical_merge_algorithm_min_rows_to_activate, vertical_merge_algorithm_min_columns_to_activate;
ALTER TABLE rewards {{ON_CLUSTER}}
    MODIFY COLUMN event_id REMOVE CODEC,
    MODIFY COLUMN seq REMOVE CODEC,
    MODIFY COLUMN occurred_at REMOVE CODEC,
    MODIFY COLUMN log_offset REMOVE CODEC,
    MODIFY COLUMN sample_id REMOVE CODEC,
    MODIFY COLUMN problem_id REMOVE CODEC;
ALTER TABLE verifications {{ON_CLUSTER}}
    MODIFY COLUMN event_id REMOVE CODEC,
    MODIFY COLUMN seq REMOVE CODEC,
    MODIFY COLUMN occurred_at REMOVE CODEC,
    MODIFY COLUMN log_offset REMOVE CODEC,
    MODIFY COLUMN sample_id REMOVE CODEC,
    MODIFY COLUMN problem_id REMOVE CODEC;
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
