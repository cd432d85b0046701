-- Pins the insert-deduplication window of every table the projector writes, for replicated tables
-- (ClickHouse Keeper keeps the block hashes) as 0001-0010 pinned it for plain ones
-- (non_replicated_deduplication_window = 1000). A projector retries a batch under the same
-- insert_deduplication_token after a crash, a rebalance or a ClickHouse outage; the retry is dropped
-- only while the first attempt's block is still inside the window. The server's defaults have moved
-- between releases (chDB 26.7: 10000 blocks but only 3600 s), so a retry after an hour-long outage
-- would be written twice. 10000 blocks and 7 days cover any outage the projector waits out.
ALTER TABLE events {{ON_CLUSTER}} MODIFY SETTING replicated_deduplication_window = 10000, replicated_deduplication_window_seconds = 604800;
ALTER TABLE projected_events {{ON_CLUSTER}} MODIFY SETTING replicated_deduplication_window = 10000, replicated_deduplication_window_seconds = 604800;
ALTER TABLE projector_writes {{ON_CLUSTER}} MODIFY SETTING replicated_deduplication_window = 10000, replicated_deduplication_window_seconds = 604800;
ALTER TABLE runs {{ON_CLUSTER}} MODIFY SETTING replicated_deduplication_window = 10000, replicated_deduplication_window_seconds = 604800;
ALTER TABLE problems {{ON_CLUSTER}} MODIFY SETTING replicated_deduplication_window = 10000, replicated_deduplication_window_seconds = 604800;
ALTER TABLE samples {{ON_CLUSTER}} MODIFY SETTING replicated_deduplication_window = 10000, replicated_deduplication_window_seconds = 604800;
ALTER TABLE verifications {{ON_CLUSTER}} MODIFY SETTING replicated_deduplication_window = 10000, replicated_deduplication_window_seconds = 604800;
ALTER TABLE rewards {{ON_CLUSTER}} MODIFY SETTING replicated_deduplication_window = 10000, replicated_deduplication_window_seconds = 604800;
ALTER TABLE curriculum_decisions {{ON_CLUSTER}} MODIFY SETTING replicated_deduplication_window = 10000, replicated_deduplication_window_seconds = 604800;
ALTER TABLE replay_batches {{ON_CLUSTER}} MODIFY SETTING replicated_deduplication_window = 10000, replicated_deduplication_window_seconds = 604800;
ALTER TABLE model_updates {{ON_CLUSTER}} MODIFY SETTING replicated_deduplication_window = 10000, replicated_deduplication_window_seconds = 604800;
ALTER TABLE evaluations {{ON_CLUSTER}} MODIFY SETTING replicated_deduplication_window = 10000, replicated_deduplication_window_seconds = 604800;
ALTER TABLE lineage_edges {{ON_CLUSTER}} MODIFY SETTING replicated_deduplication_window = 10000, replicated_deduplication_window_seconds = 604800;
ALTER TABLE lineage_edges_by_child {{ON_CLUSTER}} MODIFY SETTING replicated_deduplication_window = 10000, replicated_deduplication_window_seconds = 604800;
ALTER TABLE leaderboard_verdicts {{ON_CLUSTER}} MODIFY SETTING replicated_deduplication_window = 10000, replicated_deduplication_window_seconds = 604800;
ALTER TABLE leaderboard_rewards {{ON_CLUSTER}} MODIFY SETTING replicated_deduplication_window = 10000, replicated_deduplication_window_seconds = 604800;
ALTER TABLE metrics {{ON_CLUSTER}} MODIFY SETTING replicated_deduplication_window = 10000, replicated_deduplication_window_seconds = 604800;
