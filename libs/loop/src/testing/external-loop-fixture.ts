import { createHash } from 'node:crypto';
import { EventFactory, type EventType, type PayloadByType, type XpEvent } from '@xp/events';
import { encodeEvent, TOPICS, type EventLog } from '@xp/event-log';
import { DecisionFeed, type DeliveredDecision } from '../external/decision-feed';

/** A config for a small external run: two iterations, success-band curriculum, prioritized replay. */
export const EXTERNAL_CONFIG = {
  stages: { sampler: 'external', verifier: 'external', trainer: 'external', evaluator: 'external' },
  iterations: 2,
  attemptsPerProblem: 2,
  curriculum: { strategy: 'success-band', problemsPerIteration: 4 },
  replay: { strategy: 'prioritized', batchSize: 4, batchesPerIteration: 2 },
};

/**
 * A training loop outside xp, reduced to its reports: it registers its own problems (statements xp
 * does not understand), reports checkpoints, samples, verdicts, rewards and evaluations, and reads
 * xp's decisions back through the decision feed.
 */
export class FakeExternalLoop {
  readonly feed: DecisionFeed;
  private readonly factory: EventFactory;
  private checkpoint = 0;

  constructor(readonly log: EventLog, readonly runId: string, readonly team = 'default') {
    this.feed = new DecisionFeed(log);
    this.factory = new EventFactory({ team, experimentId: 'external', runId, producer: 'python-trainer' });
  }

  event<T extends EventType>(type: T, payload: PayloadByType[T], parents: string[] = []): XpEvent {
    return this.factory.create(type, payload, parents) as XpEvent;
  }

  async append(...events: XpEvent[]): Promise<void> {
    await this.log.append(TOPICS.events, events.map(encodeEvent));
  }

  async start(config: object = EXTERNAL_CONFIG, trainProblems = 8, heldOut = 2): Promise<void> {
    const problem = (split: 'train' | 'heldout', i: number) => this.event('problem.registered', {
      problemId: `parity/${split}/${i}`, benchmark: 'parity', difficulty: i % 3, split, statement: `is ${i * 7 + 3} odd?`,
      source: { kind: 'dataset', dataset: 'parity' },
    });
    await this.append(
      this.event('run.started', { config: config as Record<string, unknown>, seed: 11, codeVersion: 'trainer.py 1' }),
      ...Array.from({ length: trainProblems }, (_, i) => problem('train', i)),
      ...Array.from({ length: heldOut }, (_, i) => problem('heldout', i)),
    );
  }

  /** A model.updated for the given batches (none: the first checkpoint). */
  modelUpdated(batchIds: string[] = []): XpEvent {
    const n = this.checkpoint++;
    return this.event('model.updated', {
      checkpointId: `ckpt-ext-${n}`, parentCheckpointId: n === 0 ? null : `ckpt-ext-${n - 1}`, batchIds, step: n * 10, loss: 1 / (n + 1),
      artifactUri: `s3://bucket/ckpt-${n}.pt`, sha256: createHash('sha256').update(`ckpt ${n}`).digest('hex'),
    }, batchIds);
  }

  evaluation(passAt1: number): XpEvent {
    return this.event('evaluation.completed', {
      checkpointId: `ckpt-ext-${this.checkpoint - 1}`, benchmark: 'parity', split: 'heldout', problems: 2, samplesPerProblem: 2, k: 1,
      passAt1, passAtK: passAt1, majAtK: passAt1, meanReward: passAt1, solved: Math.round(passAt1 * 2),
    });
  }

  /** The three reports of one attempt; correct when `correct`. */
  attempt(sampleId: string, problemId: string, iteration: number, attempt: number, seed: number, correct: boolean): XpEvent[] {
    return [
      this.event('sample.generated', { sampleId, problemId, checkpointId: `ckpt-ext-${this.checkpoint - 1}`, iteration, attempt, output: `answer ${seed % 97}`, tokens: 3, logprob: -1.5, seed }),
      this.event('sample.verified', { sampleId, problemId, verifierId: 'parity-check', verifierVersion: '1', verdict: correct ? 'correct' : 'incorrect' }, [sampleId]),
      this.event('reward.assigned', { sampleId, problemId, value: correct ? 1 : 0, components: { correctness: correct ? 1 : 0 }, rewardFunction: 'binary', rewardVersion: '1' }, [sampleId]),
    ];
  }

  /** Polls the feed until a decision of `type` past `after` arrives (the services decide asynchronously). */
  async next(type: DeliveredDecision['type'], after: number, timeoutMs = 20000): Promise<DeliveredDecision[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = (await this.feed.read(this.team, this.runId, after)).decisions.filter((d) => d.type === type);
      if (found.length > 0) return found;
      if (Date.now() > deadline) throw new Error(`no ${type} past offset ${after} within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** Reports every attempt of a curriculum decision, the last one only when `finish` (so a test can look in between). */
export async function sampleAll(loop: FakeExternalLoop, decision: DeliveredDecision, finish = true): Promise<void> {
  const iteration = (decision.event.payload as { iteration: number }).iteration;
  const attempts = decision.problems!.flatMap((p) => p.attempts.map((a) => ({ p, a })));
  const events = attempts.flatMap(({ p, a }) => loop.attempt(a.sampleId, p.problemId, iteration, a.attempt, a.seed, (p.index + a.attempt + iteration) % 2 === 0));
  await loop.append(...(finish ? events : events.slice(0, -1)));
}

/**
 * Drives an external run through its two iterations: every decision comes from the services.
 * `afterReport` runs after each report the loop appends (a test looks at the run in between).
 */
export async function driveRun(loop: FakeExternalLoop, afterReport: () => Promise<void> = async () => undefined): Promise<void> {
  const report = async (...events: XpEvent[]) => {
    await loop.append(...events);
    await afterReport();
  };
  await afterReport();
  await report(loop.modelUpdated());
  await report(loop.evaluation(0.1));
  let after = 0;
  for (let iteration = 1; iteration <= 2; iteration++) {
    const [curriculum] = await loop.next('curriculum.decided', after);
    await sampleAll(loop, curriculum, false);
    await afterReport();
    // The last reward completes the replay decision's inputs.
    const last = curriculum.problems!.at(-1)!;
    const attempt = last.attempts.at(-1)!;
    await report(loop.attempt(attempt.sampleId, last.problemId, iteration, attempt.attempt, attempt.seed, (last.index + attempt.attempt + iteration) % 2 === 0)[2]);
    const batches = await loop.next('replay.batch', curriculum.offset + 1);
    await afterReport();
    await report(loop.modelUpdated(batches.map((b) => (b.event.payload as { batchId: string }).batchId)));
    await report(loop.evaluation(0.1 * (iteration + 1)));
    after = batches.at(-1)!.offset + 1;
  }
  await loop.next('run.finished', after);
  await afterReport();
}
