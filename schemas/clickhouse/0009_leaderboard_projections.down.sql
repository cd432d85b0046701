ALTER TABLE leaderboard_rewards {{ON_CLUSTER}} DROP PROJECTION IF EXISTS rewards_by_group SETTINGS mutations_sync = 2;
ALTER TABLE leaderboard_rewards {{ON_CLUSTER}} RESET SETTING deduplicate_merge_projection_mode;
ALTER TABLE leaderboard_verdicts {{ON_CLUSTER}} DROP PROJECTION IF EXISTS problems_by_group SETTINGS mutations_sync = 2;
ALTER TABLE leaderboard_verdicts {{ON_CLUSTER}} RESET SETTING deduplicate_merge_projection_mode;
