-- A producer outside xp may not know a sample's token count, log-probability or seed, nor a
-- checkpoint's loss, location or hash: the events allow them to be absent, and the tables keep
-- that as NULL (unknown) rather than a made-up 0 or empty string. Existing rows keep their values.
ALTER TABLE samples {{ON_CLUSTER}}
    MODIFY COLUMN tokens Nullable(UInt32),
    MODIFY COLUMN logprob Nullable(Float64),
    MODIFY COLUMN seed Nullable(UInt32)
    SETTINGS mutations_sync = 2;
ALTER TABLE model_updates {{ON_CLUSTER}}
    MODIFY COLUMN loss Nullable(Float64),
    MODIFY COLUMN artifact_uri Nullable(String),
    MODIFY COLUMN sha256 Nullable(FixedString(64))
    SETTINGS mutations_sync = 2;
