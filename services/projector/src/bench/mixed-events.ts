import { uuidv7, type XpEvent } from '@xp/events';
import { WordText } from './word-text';

export interface MixedEventsOptions {
  runs?: number;
  teams?: number;
  problemsPerIteration?: number;
  attemptsPerProblem?: number;
  seed?: number;
  /**
   * Bytes of each sample's output, as an LLM completion (text from a seeded word model ending in the
   * answer); unset, outputs are a short `answer = N`. Problem statements are then ~500 bytes of text.
   */
  outputBytes?: number;
}

/**
 * A training loop's event stream, as many runs interleave it: each run registers problems, then per
 * iteration decides a curriculum, generates, verifies and rewards samples, draws a replay batch,
 * updates the model and evaluates it. About 97% of the events are samples, verdicts and rewards.
 * Deterministic in everything but event ids. Endless: take as many as needed (`takeEvents`).
 */
export function* mixedEvents(options: MixedEventsOptions = {}): Generator<XpEvent> {
  const { runs = 32, teams = 4, problemsPerIteration = 50, attemptsPerProblem = 8 } = options;
  const random = mulberry32(options.seed ?? 42);
  const text = options.outputBytes === undefined ? undefined : new WordText(mulberry32((options.seed ?? 42) + 1));
  const output = (value: number) => (text ? `${text.next(Math.max(0, options.outputBytes! - 12))}\nanswer = ${value}` : `answer = ${value}`);
  const statement = (p: number) => (text ? `${text.next(500)} {"target":${p}}` : `{"target":${p}}`);
  const clockStart = Date.UTC(2026, 10, 1);
  const seqs = new Array<number>(runs).fill(0);
  const iterations = new Array<number>(runs).fill(0);
  let tick = 0;

  const make = (run: number, type: XpEvent['type'], payload: object, parents: string[] = []): XpEvent => {
    const at = clockStart + tick++;
    return {
      eventId: uuidv7(at), type, schemaVersion: 1, team: `team-${run % teams}`, experimentId: `exp-${run % 8}`,
      runId: `run-${run}`, seq: seqs[run]++, producer: 'bench', occurredAt: new Date(at).toISOString(), parents, payload,
    } as XpEvent;
  };
  const problemId = (i: number) => `bench/train/${String(i).padStart(5, '0')}`;

  for (let run = 0; run < runs; run++) {
    yield make(run, 'run.started', { config: { problemsPerIteration, attemptsPerProblem }, seed: run, codeVersion: 'bench' });
    for (let p = 0; p < 500; p++) {
      yield make(run, 'problem.registered', { problemId: problemId(p), benchmark: 'bench', difficulty: p % 10, split: p % 5 === 0 ? 'heldout' : 'train', statement: statement(p), source: { kind: 'dataset', dataset: 'bench' } });
    }
  }
  for (;;) {
    for (let run = 0; run < runs; run++) {
      const iteration = ++iterations[run];
      const checkpoint = `run-${run}/ckpt-${iteration - 1}`;
      const decision = `run-${run}/curriculum/${iteration}`;
      const problems = Array.from({ length: problemsPerIteration }, () => problemId(Math.floor(random() * 500)));
      const hash = (n: number) => (n >>> 0).toString(16).padStart(8, '0').repeat(8);
      yield make(run, 'curriculum.decided', { decisionId: decision, iteration, strategy: 'success-band', problemIds: problems, watermark: seqs[run], seed: iteration, outputHash: hash(iteration) });
      const kept: string[] = [];
      for (const [i, problem] of problems.entries()) {
        for (let attempt = 0; attempt < attemptsPerProblem; attempt++) {
          const sampleId = `run-${run}/s/${iteration}/${i}/${attempt}`;
          const value = Math.floor(random() * 20);
          const correct = value % 3 === 0;
          yield make(run, 'sample.generated', { sampleId, problemId: problem, checkpointId: checkpoint, iteration, attempt, output: output(value), tokens: 12 + (value % 7), logprob: -random() * 10, seed: attempt, temperature: 0.8 }, [decision]);
          yield make(run, 'sample.verified', { sampleId, problemId: problem, verifierId: 'exact', verifierVersion: '1', verdict: correct ? 'correct' : 'incorrect', details: { value } }, [sampleId]);
          yield make(run, 'reward.assigned', { sampleId, problemId: problem, value: correct ? 1 : 0, components: { correct: correct ? 1 : 0 }, rewardFunction: 'binary', rewardVersion: '1' }, [sampleId]);
          if (correct && kept.length < 64) kept.push(sampleId);
        }
      }
      const batchId = `run-${run}/batch/${iteration}`;
      yield make(run, 'replay.batch', { batchId, iteration, strategy: 'uniform', sampleIds: kept, watermark: seqs[run], seed: iteration, outputHash: hash(iteration + 1) });
      yield make(run, 'model.updated', { checkpointId: `run-${run}/ckpt-${iteration}`, parentCheckpointId: checkpoint, batchIds: [batchId], step: iteration, loss: 1 / iteration, artifactUri: `file:///ckpt/${run}/${iteration}.onnx`, sha256: hash(iteration + 2) });
      yield make(run, 'evaluation.completed', { checkpointId: `run-${run}/ckpt-${iteration}`, benchmark: 'bench', split: 'heldout', problems: 100, samplesPerProblem: 8, k: 8, passAt1: 0.3, passAtK: 0.6, majAtK: 0.4, meanReward: 0.33, solved: 60 });
    }
  }
}

export function takeEvents(count: number, options: MixedEventsOptions = {}): XpEvent[] {
  const events: XpEvent[] = [];
  for (const event of mixedEvents(options)) {
    if (events.length >= count) break;
    events.push(event);
  }
  return events;
}

/** A small, fast, seedable PRNG (Mulberry32). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
