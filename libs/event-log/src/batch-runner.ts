import { DEAD_LETTER_HEADERS, type BatchContext, type BatchHandler, type LogMessage, type LogRecord } from './port';

export interface BatchRunnerOptions {
  handler: BatchHandler;
  groupId: string;
  deadLetterTopic: string;
  appendDeadLetters: (topic: string, messages: LogMessage[]) => Promise<unknown>;
  onError?: (error: unknown, context: BatchContext) => void;
  /** False once the consumer is stopping: a failing batch is then left uncommitted instead of retried. */
  isRunning: () => boolean;
  sleep?: (ms: number) => Promise<void>;
}

const MAX_BACKOFF_MS = 5000;

/**
 * The whole at-least-once story, shared by both adapters: run the handler, park its rejects in the
 * dead-letter topic, and only then report the batch as done (the caller commits). A throwing handler is
 * retried with backoff until it succeeds or the consumer stops, so one bad batch never kills a consumer.
 * Returns false when the batch was not completed (the consumer is stopping) and must not be committed.
 */
export async function runBatch(batch: LogRecord[], context: BatchContext, options: BatchRunnerOptions): Promise<boolean> {
  const sleep = options.sleep ?? defaultSleep;
  for (let attempt = 0; ; attempt++) {
    try {
      const outcome = await options.handler(batch, context);
      const deadLetters = outcome?.deadLetters ?? [];
      if (deadLetters.length > 0) {
        await options.appendDeadLetters(
          options.deadLetterTopic,
          deadLetters.map(({ record, reason }) => toDeadLetterMessage(record, reason, options.groupId)),
        );
      }
      return true;
    } catch (error) {
      options.onError?.(error, context);
      if (!options.isRunning()) return false;
      await sleep(Math.min(MAX_BACKOFF_MS, 50 * 2 ** attempt));
      if (!options.isRunning()) return false;
    }
  }
}

export function toDeadLetterMessage(record: LogRecord, reason: string, groupId: string): LogMessage {
  return {
    key: record.key,
    value: record.value,
    headers: {
      ...record.headers,
      [DEAD_LETTER_HEADERS.reason]: reason,
      [DEAD_LETTER_HEADERS.topic]: record.topic,
      [DEAD_LETTER_HEADERS.partition]: String(record.partition),
      [DEAD_LETTER_HEADERS.offset]: String(record.offset),
      [DEAD_LETTER_HEADERS.group]: groupId,
    },
  };
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
