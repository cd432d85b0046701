import type { Command } from 'commander';
import { describeReport, KafkaEventLog, topicNames, topicPlan } from '@xp/event-log';
import { eventLogConfig, topicSettings, type TopicFlags } from '../config';

/**
 * `xp kafka init`: the operator's one step that creates the topics (partitions, replication,
 * retention, limits), so no service has to and none races the operator. Safe to run again.
 */
export function registerKafka(program: Command): void {
  const kafka = program.command('kafka').description('operate the Kafka topics of a production deployment');
  kafka
    .command('init')
    .description('create the xp topics with their partitions, replication and retention; existing topics are checked, never altered')
    .option('--brokers <list>', 'Kafka brokers host:port[,host:port] (env KAFKA_BROKERS, default 127.0.0.1:9092)')
    .option('--topic-prefix <prefix>', 'prefix of the topic names, for several deployments on one cluster (env XP_KAFKA_TOPIC_PREFIX)')
    .option('--partitions <n>', 'partitions of xp.events (env XP_EVENTS_PARTITIONS, default 4); fixed for the life of the log')
    .option('--replication-factor <n>', "copies of every partition (env XP_KAFKA_REPLICATION_FACTOR; default: the broker's default.replication.factor)")
    .option('--min-insync-replicas <n>', "replicas that must have a write before it is acknowledged (env XP_KAFKA_MIN_INSYNC_REPLICAS; default: the broker's)")
    .action(async (flags: TopicFlags & { brokers?: string; topicPrefix?: string }) => {
      const config = eventLogConfig({ bus: 'kafka', brokers: flags.brokers, topicPrefix: flags.topicPrefix });
      const plan = topicPlan(topicSettings(flags), topicNames(config.namespace?.topicPrefix));
      const log = await KafkaEventLog.connect({ ...config.kafka, brokers: config.brokers });
      try {
        const report = await log.initTopics(plan);
        for (const line of describeReport(report)) process.stdout.write(`${line}\n`);
        if (report.mismatches.length > 0) {
          process.stderr.write(`${report.mismatches.length} setting(s) differ from what xp expects; services refuse to start on a partition count that differs\n`);
          process.exitCode = 1;
        }
      } finally {
        await log.close();
      }
    });
}
