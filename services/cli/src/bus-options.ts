import type { Command } from 'commander';

/** Adds the flags that select and locate the event log. */
export function withBusOptions(command: Command): Command {
  return command
    .option('--bus <bus>', 'event log: embedded (default, on disk) or kafka (env XP_BUS)')
    .option('--brokers <list>', 'Kafka brokers host:port[,host:port] (env KAFKA_BROKERS, default 127.0.0.1:9092)')
    .option('--topic-prefix <prefix>', 'kafka: prepended to every topic name, to share a cluster (env XP_KAFKA_TOPIC_PREFIX)')
    .option('--group-prefix <prefix>', 'kafka: prepended to every consumer group id, to share a cluster (env XP_KAFKA_GROUP_PREFIX)')
    .option('--data-dir <dir>', 'data directory of the embedded stack (env XP_DATA_DIR, default ./.xp-data)');
}
