-- Every event the projector accepted, as it came from the log. The sort key serves per-run timelines
-- (team, experiment, run, then time); the bloom filter serves point lookups by event id.
-- ReplacingMergeTree keyed down to event_id: should a duplicate ever slip in, it collapses on merge
-- and under FINAL.
CREATE TABLE IF NOT EXISTS events {{ON_CLUSTER}}
(
    event_id UUID,
    type LowCardinality(String),
    schema_version UInt16,
    team LowCardinality(String),
    experiment_id String,
    run_id String,
    seq UInt64,
    producer LowCardinality(String),
    occurred_at DateTime64(3, 'UTC'),
    parents Array(String),
    payload String CODEC(ZSTD(3)),
    log_partition UInt32,
    log_offset UInt64,
    appended_at DateTime64(3, 'UTC'),
    INDEX idx_event_id event_id TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_type type TYPE set(16) GRANULARITY 4
)
ENGINE = {{REPLICATED}}ReplacingMergeTree
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (team, experiment_id, run_id, occurred_at, event_id)
SETTINGS non_replicated_deduplication_window = 1000;

-- The projector's ledger of event ids it has written, checked before each batch so that an event
-- appended twice (the same file ingested again) is projected once. Ordered by the id itself: ids are
-- UUIDv7 strings, so a batch's ids sit next to each other and a lookup reads a few granules.
CREATE TABLE IF NOT EXISTS projected_events {{ON_CLUSTER}}
(
    event_id String,
    log_partition UInt32,
    log_offset UInt64
)
ENGINE = {{REPLICATED}}ReplacingMergeTree
ORDER BY event_id
SETTINGS non_replicated_deduplication_window = 1000;

-- What the projector is about to write, announced before each write; one row per consumer group and
-- partition survives (the newest announcement). After a crash the batch that starts at the committed
-- offset is rebuilt exactly as announced, so its inserts carry the same deduplication tokens and
-- ClickHouse drops what already landed.
CREATE TABLE IF NOT EXISTS projector_writes {{ON_CLUSTER}}
(
    group_id String,
    topic String,
    log_partition UInt32,
    from_offset UInt64,
    to_offset UInt64
)
ENGINE = {{REPLICATED}}ReplacingMergeTree(from_offset)
ORDER BY (group_id, topic, log_partition)
SETTINGS non_replicated_deduplication_window = 1000;
