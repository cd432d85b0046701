/**
 * What a cluster test prints when it fails: the last lines of every process it started, each run's
 * last events, each consumer group's committed offsets against the partition ends, and the brokers'
 * last log lines. A stall then explains itself in the test output instead of "did not finish".
 */
import type { Readable } from 'node:stream';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TOPICS, type EventLog } from '@xp/event-log';
import { readRunEvents } from '@xp/loop';

const CLUSTER_RUN_DIR = resolve(__dirname, '../../infra/kafka/.run-cluster');
const KEPT_LINES = 400;

export class ProcessLogs {
  private readonly lines = new Map<string, string[]>();

  /** Keeps the last lines `name` writes to `stream` (and says when it exits). */
  follow(name: string, stream: Readable): void {
    const kept = this.lines.get(name) ?? [];
    this.lines.set(name, kept);
    let partial = '';
    stream.on('data', (chunk: Buffer) => {
      const parts = (partial + chunk.toString('utf8')).split('\n');
      partial = parts.pop()!;
      kept.push(...parts);
      if (kept.length > KEPT_LINES) kept.splice(0, kept.length - KEPT_LINES);
    });
  }

  note(name: string, text: string): void {
    const kept = this.lines.get(name) ?? [];
    this.lines.set(name, kept);
    kept.push(`${new Date().toISOString()} ${text}`);
    if (kept.length > KEPT_LINES) kept.splice(0, kept.length - KEPT_LINES);
  }

  tails(lines: number): string {
    return [...this.lines].map(([name, kept]) => `--- ${name} (last ${Math.min(lines, kept.length)} of ${kept.length} lines kept)\n${kept.slice(-lines).join('\n')}`).join('\n');
  }
}

export interface ClusterScene {
  log: EventLog;
  runIds: string[];
  groups: string[];
  processes: ProcessLogs;
}

/** Runs `work`; if it throws, the error's message gets the scene's state appended. */
export async function explainFailure<T>(scene: ClusterScene, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const report = await describeScene(scene).catch((failure) => `(the scene could not be described: ${failure})`);
    if (error instanceof Error) {
      error.message = `${error.message}\n\n${report}`;
      throw error;
    }
    throw new Error(`${String(error)}\n\n${report}`);
  }
}

export async function describeScene(scene: ClusterScene): Promise<string> {
  const parts = [`=== at ${new Date().toISOString()}`];
  const ends = await scene.log.endOffsets(TOPICS.events);
  for (const runId of scene.runIds) {
    const events = await readRunEvents(scene.log, runId);
    const partition = await scene.log.partitionFor(TOPICS.events, runId);
    parts.push(`=== run ${runId} (partition ${partition}, end ${ends[partition]}): ${events.length} events, last 12:`);
    for (const { event, offset } of events.slice(-12)) {
      const payload = event.payload as { iteration?: number };
      parts.push(`  @${offset} ${event.occurredAt} ${event.type}${payload.iteration !== undefined ? ` iteration ${payload.iteration}` : ''} (seq ${event.seq})`);
    }
  }
  parts.push(`=== partition ends ${JSON.stringify(ends)}; committed offsets per group:`);
  for (const group of scene.groups) parts.push(`  ${group}: ${JSON.stringify(await scene.log.committedOffsets(group, TOPICS.events))}`);
  parts.push('=== processes', scene.processes.tails(40));
  for (const node of [1, 2, 3]) {
    const file = join(CLUSTER_RUN_DIR, `node-${node}.log`);
    if (existsSync(file)) parts.push(`=== broker ${node} (last 8 lines)`, readFileSync(file, 'utf8').trimEnd().split('\n').slice(-8).join('\n'));
  }
  return parts.join('\n');
}
