-- Storage per event, measured at 4 KB sample outputs: the ledger kept event ids as 36-character
-- strings and the two lineage tables stored ids, runs and times with the default LZ4, together
-- about 280 bytes per sample beside the sample's own 1.5 KB.

-- The ledger keyed by the event id as a UUID (16 bytes). ClickHouse orders UUIDs by their second
-- half, which is random in a UUIDv7, so the sort key is the id's big-endian bytes (UUIDToNum): they
-- order by time, and a batch's ids still sit in a few granules of the ledger.
CREATE TABLE IF NOT EXISTS projected_events_by_uuid {{ON_CLUSTER}}
(
    event_id UUID CODEC(ZSTD(3)),
    log_partition UInt32 CODEC(ZSTD(1)),
    log_offset UInt64 CODEC(ZSTD(3))
)
ENGINE = {{REPLICATED}}ReplacingMergeTree
ORDER BY UUIDToNum(event_id)
SETTINGS non_replicated_deduplication_window = 1000;
INSERT INTO projected_events_by_uuid SELECT toUUID(event_id), log_partition, log_offset FROM projected_events;
DROP TABLE projected_events {{ON_CLUSTER}} SYNC;
RENAME TABLE projected_events_by_uuid TO projected_events {{ON_CLUSTER}};

-- Lineage: few distinct experiments and runs, ids that repeat their prefixes (ZSTD finds them).
ALTER TABLE lineage_edges {{ON_CLUSTER}}
    MODIFY COLUMN experiment_id LowCardinality(String),
    MODIFY COLUMN run_id LowCardinality(String),
    MODIFY COLUMN parent_id String CODEC(ZSTD(3)),
    MODIFY COLUMN child_id String CODEC(ZSTD(3)),
    MODIFY COLUMN occurred_at DateTime64(3, 'UTC') CODEC(ZSTD(3))
    SETTINGS mutations_sync = 2;
ALTER TABLE lineage_edges_by_child {{ON_CLUSTER}}
    MODIFY COLUMN experiment_id LowCardinality(String),
    MODIFY COLUMN run_id LowCardinality(String),
    MODIFY COLUMN parent_id String CODEC(ZSTD(3)),
    MODIFY COLUMN child_id String CODEC(ZSTD(3)),
    MODIFY COLUMN occurred_at DateTime64(3, 'UTC') CODEC(ZSTD(3))
    SETTINGS mutations_sync = 2;

-- Envelopes are ordered by run and time: sequence numbers, offsets and times grow by small steps.
ALTER TABLE events {{ON_CLUSTER}}
    MODIFY COLUMN event_id UUID CODEC(ZSTD(1)),
    MODIFY COLUMN seq UInt64 CODEC(Delta, ZSTD(1)),
    MODIFY COLUMN occurred_at DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    MODIFY COLUMN parents Array(String) CODEC(ZSTD(1)),
    MODIFY COLUMN log_offset UInt64 CODEC(Delta, ZSTD(1)),
    MODIFY COLUMN appended_at DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1));

-- Verdicts and rewards: ids and positions under ZSTD rather than LZ4 (about 35 -> 22 bytes per sample each).
ALTER TABLE verifications {{ON_CLUSTER}}
    MODIFY COLUMN event_id UUID CODEC(ZSTD(1)),
    MODIFY COLUMN seq UInt64 CODEC(ZSTD(1)),
    MODIFY COLUMN occurred_at DateTime64(3, 'UTC') CODEC(ZSTD(1)),
    MODIFY COLUMN log_offset UInt64 CODEC(ZSTD(1)),
    MODIFY COLUMN sample_id String CODEC(ZSTD(3)),
    MODIFY COLUMN problem_id String CODEC(ZSTD(3));
ALTER TABLE rewards {{ON_CLUSTER}}
    MODIFY COLUMN event_id UUID CODEC(ZSTD(1)),
    MODIFY COLUMN seq UInt64 CODEC(ZSTD(1)),
    MODIFY COLUMN occurred_at DateTime64(3, 'UTC') CODEC(ZSTD(1)),
    MODIFY COLUMN log_offset UInt64 CODEC(ZSTD(1)),
    MODIFY COLUMN sample_id String CODEC(ZSTD(3)),
    MODIFY COLUMN problem_id String CODEC(ZSTD(3));

-- Merges of kilobyte texts: a merge reads a block from each part it merges, up to 10 MiB each by
-- default, all columns at once; with a few parts of 4-16 KB outputs that held 100-150 MB. Merged a
-- column at a time in blocks of at most 1 MiB, the texts take a few MiB.
ALTER TABLE samples {{ON_CLUSTER}}
    MODIFY SETTING merge_max_block_size_bytes = 1048576, vertical_merge_algorithm_min_rows_to_activate = 1,
        vertical_merge_algorithm_min_columns_to_activate = 1;
ALTER TABLE problems {{ON_CLUSTER}}
    MODIFY SETTING merge_max_block_size_bytes = 1048576, vertical_merge_algorithm_min_rows_to_activate = 1,
        vertical_merge_algorithm_min_columns_to_activate = 1;
