DROP VIEW IF EXISTS leaderboard_rewards_mv {{ON_CLUSTER}} SYNC;
DROP TABLE IF EXISTS leaderboard_rewards {{ON_CLUSTER}} SYNC;
DROP VIEW IF EXISTS leaderboard_verdicts_mv {{ON_CLUSTER}} SYNC;
DROP TABLE IF EXISTS leaderboard_verdicts {{ON_CLUSTER}} SYNC;
