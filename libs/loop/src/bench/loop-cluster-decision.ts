/**
 * npm run bench:cluster-decision -- [--events N] [--brokers LIST] [--namespace NAME]
 *
 * A loop service's first decision for a new run, made by a freshly started service (a restart, or a
 * replica handed the partition by a rebalance), on a partition holding N earlier events (default
 * 1,000,000) beside the same decision on a partition holding almost nothing, on the local three-broker
 * cluster (`bash infra/kafka/cluster.sh start`). The service had consumed the earlier events before its
 * restart, as in production. Time: run.started appended -> the trainer's first checkpoint appended.
 * Beside it, on the same two partitions: starting the run (`startRunForServices`, with its run-id
 * check), `waitForRunFinished` once the run finished, and `verifyReplay` of the run.
 * The topics live under NAME (default `bench-cluster-decision`), so the filled partition is kept for
 * the next run and other users of the cluster never read it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { EventFactory } from '@xp/events';
import { encodeEvent, KafkaEventLog, namespacedLog, TOPICS, type EventLog, type LogMessage } from '@xp/event-log';
import { loopServiceGroup, startLoopService, type LoopDecision } from '../services/loop-service';
import { startRunForServices, waitForRunFinished } from '../services/start-run';
import { verifyReplay } from '../loop/verify-replay';
import { readRunEventsFrom } from '../loop/run-history';
import { SMALL_LOOP } from '../testing/loop-fixtures';
import { fixed, table } from './bench-util';

const CHUNK = 10_000;

interface Timings {
  decision: number;
  start: number;
  wait: number;
  verify: number;
}

const LABELS: Record<keyof Timings, string> = {
  decision: 'first decision of a fresh service',
  start: 'startRunForServices',
  wait: 'waitForRunFinished (finished run)',
  verify: 'verifyReplay',
};

function argument(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

/** A run id of `prefix` whose events land in `partition`. */
async function runIdOn(log: EventLog, partition: number, prefix: string): Promise<string> {
  for (let i = 0; ; i++) if ((await log.partitionFor(TOPICS.events, `${prefix}-${i}`)) === partition) return `${prefix}-${i}`;
}

/** Samples of earlier runs driven outside the services (~330 bytes each), all keyed to one partition. */
async function fill(log: EventLog, partition: number, count: number): Promise<void> {
  const runs = await Promise.all(Array.from({ length: 20 }, (_, r) => runIdOn(log, partition, `history-${Date.now()}-${r}`)));
  const factories = runs.map((runId) => new EventFactory({ team: 'bench', experimentId: 'history', runId, producer: 'sampler' }));
  for (let sent = 0; sent < count; sent += CHUNK) {
    const messages: LogMessage[] = Array.from({ length: Math.min(CHUNK, count - sent) }, (_, j) => {
      const i = sent + j;
      return encodeEvent(factories[i % runs.length].create('sample.generated', {
        sampleId: `s${i}`, problemId: `arith/train/${i % 500}`, checkpointId: 'ckpt-0', iteration: 1, attempt: i % 8,
        output: '3+4', tokens: 3, logprob: -1.25, seed: i, temperature: 1,
      }));
    });
    await log.append(TOPICS.events, messages);
    if ((sent / CHUNK) % 10 === 0) process.stderr.write(`\rfilling partition ${partition}: ${sent + messages.length} / ${count}`);
  }
  process.stderr.write('\n');
}

async function caughtUpOn(log: EventLog, groupId: string, partition: number): Promise<void> {
  const end = (await log.endOffsets(TOPICS.events))[partition];
  while ((await log.committedOffsets(groupId, TOPICS.events))[partition] < end) await new Promise((r) => setTimeout(r, 200));
}

async function main(): Promise<void> {
  const events = Number(argument('--events') ?? 1_000_000);
  const brokers = (argument('--brokers') ?? '127.0.0.1:19091,127.0.0.1:19092,127.0.0.1:19093').split(',');
  const dataDir = mkdtempSync(join(tmpdir(), 'xp-bench-decision-'));
  const kafka = await KafkaEventLog.connect({ brokers });
  const log = namespacedLog(kafka, argument('--namespace') ?? 'bench-cluster-decision');
  try {
    await log.ensureTopics([{ name: TOPICS.events, partitions: 4 }]);
    const ends = await log.endOffsets(TOPICS.events);
    const [crowded, fresh] = [0, 1, 2, 3].sort((a, b) => ends[b] - ends[a]);
    if ((ends[crowded] ?? 0) < events) await fill(log, crowded, events - (ends[crowded] ?? 0));

    // The trainer consumed everything so far before its restart (and published where a scan may start).
    const history = await startLoopService('trainer', { log, dataDir });
    await caughtUpOn(log, loopServiceGroup('trainer'), crowded);
    await caughtUpOn(log, loopServiceGroup('trainer'), fresh);
    await history.stop();

    const verdicts = new Set<string>();
    const decide = async (partition: number, round: number): Promise<Timings> => {
      const runId = await runIdOn(log, partition, `bench-decision-${Date.now()}-${round}`);
      let appended = 0;
      const timed: EventLog = new Proxy(log, {
        get: (target, property, receiver) => property !== 'append' ? Reflect.get(target, property, receiver)
          : async (...args: Parameters<EventLog['append']>) => {
            const out = await target.append(...args);
            // The run's events, not the record of where it starts that follows them.
            if (args[0] === TOPICS.events) appended = performance.now();
            return out;
          },
      });
      let decided!: (at: number) => void;
      const decision = new Promise<number>((resolve) => (decided = resolve));
      // A fresh service: nothing of the partition in memory, as after a restart or a rebalance.
      const service = await startLoopService('trainer', {
        log, dataDir, onDecision: (d: LoopDecision) => d.runId === runId && decided(performance.now()),
      });
      const timings = {} as Timings;
      try {
        const starting = performance.now();
        await startRunForServices({ runId, seed: round, iterations: 1, config: SMALL_LOOP, log: timed });
        timings.start = performance.now() - starting;
        timings.decision = (await decision) - appended;
      } finally {
        await service.stop();
        // The run ends here (only the trainer runs), so it does not hold back where later scans start.
        const finish = new EventFactory({ team: 'default', experimentId: 'default', runId, producer: 'runner' }, { startSeq: 1000 });
        await log.append(TOPICS.events, [encodeEvent(finish.create('run.finished', { status: 'cancelled', iterations: 0 }))]);
      }
      const waiting = performance.now();
      await waitForRunFinished(log, runId);
      timings.wait = performance.now() - waiting;
      const verifying = performance.now();
      verdicts.add((await verifyReplay(log, runId)).status);
      timings.verify = performance.now() - verifying;
      return timings;
    };
    const times: [Timings[], Timings[]] = [[], []];
    for (let round = 0; round < 5; round++) {
      times[0].push(await decide(crowded, 2 * round));
      times[1].push(await decide(fresh, 2 * round + 1));
    }
    const median = (t: number[]) => [...t].sort((a, b) => a - b)[Math.floor(t.length / 2)];
    const ends2 = await log.endOffsets(TOPICS.events);
    const rows = (Object.keys(LABELS) as (keyof Timings)[]).flatMap((measure) => {
      const [c, f] = times.map((t) => t.map((x) => x[measure]));
      return [
        [LABELS[measure], `${crowded} (crowded)`, ends2[crowded], fixed(median(c), 0), c.map((t) => fixed(t, 0)).join(' '), ''],
        [LABELS[measure], `${fresh} (fresh)`, ends2[fresh], fixed(median(f), 0), f.map((t) => fixed(t, 0)).join(' '), fixed(median(c) / median(f), 2)],
      ];
    });
    // What every one of the three did before run starts were recorded: read the run's partition from offset 0.
    const fromZero: number[] = [];
    for (const partition of [crowded, fresh]) {
      const runId = await runIdOn(log, partition, `bench-from-zero-${Date.now()}`);
      const reading = performance.now();
      await readRunEventsFrom(log, runId, 0);
      fromZero.push(performance.now() - reading);
    }
    process.stdout.write(`${table(['operation', 'partition', 'events', 'p50 (ms)', 'all (ms)', 'crowded / fresh'], rows)}\n` +
      `same run, one read of a run from offset 0 (before run starts were recorded): crowded ${fixed(fromZero[0], 0)} ms, fresh ${fixed(fromZero[1], 0)} ms\n` +
      `verifyReplay answered: ${[...verdicts].join(', ')} (the runs stop after the first checkpoint; the figure is the time to read and check them)\n`);
  } finally {
    await kafka.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
