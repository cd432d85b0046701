-- Back to required columns. The old shape cannot say "unknown": rows without a value get the
-- type's zero (0, an empty string, 64 zero digits for the hash) through a DEFAULT that is removed
-- again once the columns are converted.
ALTER TABLE samples {{ON_CLUSTER}}
    MODIFY COLUMN tokens UInt32 DEFAULT 0,
    MODIFY COLUMN logprob Float64 DEFAULT 0,
    MODIFY COLUMN seed UInt32 DEFAULT 0
    SETTINGS mutations_sync = 2;
ALTER TABLE samples {{ON_CLUSTER}}
    MODIFY COLUMN tokens REMOVE DEFAULT,
    MODIFY COLUMN logprob REMOVE DEFAULT,
    MODIFY COLUMN seed REMOVE DEFAULT;
ALTER TABLE model_updates {{ON_CLUSTER}}
    MODIFY COLUMN loss Float64 DEFAULT 0,
    MODIFY COLUMN artifact_uri String DEFAULT '',
    MODIFY COLUMN sha256 FixedString(64) DEFAULT toFixedString(repeat('0', 64), 64)
    SETTINGS mutations_sync = 2;
ALTER TABLE model_updates {{ON_CLUSTER}}
    MODIFY COLUMN loss REMOVE DEFAULT,
    MODIFY COLUMN artifact_uri REMOVE DEFAULT,
    MODIFY COLUMN sha256 REMOVE DEFAULT;
