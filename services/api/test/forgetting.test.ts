import { EventFactory, type EventType, type PayloadByType } from '@xp/events';
import { openApiFixture, type ApiFixture } from './api-fixture';

/**
 * The forgetting matrix of a run that an external loop logged over HTTP: its own benchmarks, training
 * samples, held-out samples and one evaluation.completed per benchmark after each iteration. The
 * values are chosen by hand, and so are the expected ACC, BWT and forgetting.
 */

const RUN = 'external-continual';
const PASS_AT_1: Array<[string, Record<string, number>]> = [
  ['ckpt-x0', { algebra: 0.1, geometry: 0.05 }],
  ['ckpt-x1', { algebra: 0.5, geometry: 0.1 }],
  ['ckpt-x2', { algebra: 0.75, geometry: 0.1 }],
  ['ckpt-x3', { algebra: 0.5, geometry: 0.4 }],
  ['ckpt-x4', { algebra: 0.25, geometry: 0.6 }],
];
/** Iterations 1-2 train on algebra, 3-4 on geometry. */
const TASK = ['', 'algebra', 'algebra', 'geometry', 'geometry'];

function runEvents(): unknown[] {
  const factory = new EventFactory({ team: 'alpha', experimentId: 'external', runId: RUN, producer: 'python-loop' });
  const events: unknown[] = [];
  const add = <T extends EventType>(type: T, payload: PayloadByType[T]) => events.push(factory.create(type, payload));
  add('run.started', { config: { curriculum: { strategy: 'own' } }, seed: 1, codeVersion: 'external 1' });
  for (const benchmark of ['algebra', 'geometry']) {
    for (const split of ['train', 'heldout'] as const) {
      add('problem.registered', { problemId: `${benchmark}/${split}/0`, benchmark, difficulty: 1, split, statement: `${benchmark} ${split}`, source: { kind: 'dataset', dataset: 'own', version: '1' } });
    }
  }
  const sample = (iteration: number, problemId: string, checkpointId: string, kind: string) =>
    add('sample.generated', { sampleId: `${RUN}/${kind}/${iteration}/${problemId}`, problemId, checkpointId, iteration, attempt: 0, output: 'x', tokens: 1, logprob: -1, seed: iteration });
  PASS_AT_1.forEach(([checkpointId, scores], iteration) => {
    if (iteration > 0) sample(iteration, `${TASK[iteration]}/train/0`, PASS_AT_1[iteration - 1][0], 'train');
    for (const [benchmark, passAt1] of Object.entries(scores)) {
      // Held-out attempts are samples too; they must not count as training on their benchmark.
      sample(iteration, `${benchmark}/heldout/0`, checkpointId, 'eval');
      add('evaluation.completed', { checkpointId, benchmark, split: 'heldout', problems: 4, samplesPerProblem: 4, k: 1, passAt1, passAtK: passAt1, majAtK: passAt1, meanReward: passAt1, solved: 1 });
    }
  });
  return events;
}

describe('Run.forgetting for a run logged by an external loop', () => {
  let fx: ApiFixture;
  beforeAll(async () => {
    fx = await openApiFixture();
    const response = await fetch(`${fx.url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${fx.keys.alpha}` },
      body: runEvents().map((e) => JSON.stringify(e)).join('\n') + '\n',
    });
    expect(response.status).toBe(200);
    await fx.projected();
  });
  afterAll(async () => {
    await fx?.dispose();
  });

  it('answers the matrix and the hand-computed ACC, BWT and forgetting', async () => {
    const { body } = await fx.graphql(`{ run(id: "${RUN}") { forgetting {
      benchmarks matrix iterations checkpoints trained averageAccuracy backwardTransfer forgetting { benchmark value learnedAt } } } }`);
    expect(body.errors).toBeUndefined();
    const forgetting = body.data.run.forgetting;
    expect(forgetting.benchmarks).toEqual(['algebra', 'geometry']);
    expect(forgetting.checkpoints).toEqual(PASS_AT_1.map(([c]) => c));
    expect(forgetting.iterations).toEqual([null, 1, 2, 3, 4]);
    expect(forgetting.trained).toEqual([[], ['algebra'], ['algebra'], ['geometry'], ['geometry']]);
    expect(forgetting.matrix).toEqual(PASS_AT_1.map(([, s]) => [s.algebra, s.geometry]));
    // ACC (0.25 + 0.6) / 2; algebra ended at row 2 with 0.75 and ends the run at 0.25.
    expect(forgetting.averageAccuracy).toBeCloseTo(0.425, 12);
    expect(forgetting.backwardTransfer).toBeCloseTo(-0.5, 12);
    expect(forgetting.forgetting).toEqual([
      { benchmark: 'algebra', value: 0.5, learnedAt: 2 },
      { benchmark: 'geometry', value: null, learnedAt: 4 },
    ]);
  });

  it('is empty for another team', async () => {
    const { body } = await fx.graphql(`{ run(id: "${RUN}") { forgetting { matrix } } }`, undefined, fx.keys.beta);
    expect(body.data.run).toBeNull();
  });
});
