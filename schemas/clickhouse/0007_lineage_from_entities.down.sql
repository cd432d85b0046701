DROP VIEW IF EXISTS lineage_from_rewards_mv {{ON_CLUSTER}} SYNC;
DROP VIEW IF EXISTS lineage_from_verifications_mv {{ON_CLUSTER}} SYNC;
DROP VIEW IF EXISTS lineage_from_samples_mv {{ON_CLUSTER}} SYNC;
