import { TOPICS, DEAD_LETTER_HEADERS } from '@xp/event-log';
import type { XpEvent } from '@xp/events';
import { exampleEvents, openProjectionFixture, type ProjectionFixture } from './testing/projection-fixture';

describe('projector on chDB', () => {
  let fx: ProjectionFixture;
  const examples = exampleEvents();
  const byType = (type: string) => examples.find((e) => e.type === type)!;

  beforeAll(async () => {
    fx = await openProjectionFixture();
    await fx.append(examples);
    await fx.project();
  });
  afterAll(() => fx.dispose());

  it('keeps every event in the raw table with its log position', async () => {
    const rows = await fx.rows<{ event_id: string; type: string; log_partition: number; log_offset: string }>(
      'SELECT toString(event_id) AS event_id, type, log_partition, log_offset FROM events FINAL ORDER BY seq',
    );
    expect(rows.map((r) => r.event_id)).toEqual(examples.map((e) => e.eventId));
    expect(new Set(rows.map((r) => r.log_partition)).size).toBe(1);
    expect(rows.map((r) => Number(r.log_offset))).toEqual(examples.map((_, i) => i));
  });

  it('folds run.started and run.finished into one run', async () => {
    expect(await fx.rows('SELECT run_id, name, JSONExtractInt(config, \'iterations\') AS config_iterations, seed, code_version, status, iterations, summary, started_at, finished_at FROM runs FINAL')).toEqual([
      {
        run_id: 'run-001', name: 'arith expert iteration', config_iterations: 3, seed: 42, code_version: '0.1.0', status: 'succeeded', iterations: 1,
        summary: '{"heldOutPassAt1":0.31}', started_at: '2026-11-01 12:00:01.000', finished_at: '2026-11-01 12:00:11.000',
      },
    ]);
  });

  it('projects problems with their source', async () => {
    expect(await fx.rows('SELECT problem_id, benchmark, difficulty, split, source_kind, source_dataset, source_checkpoint_id FROM problems FINAL ORDER BY problem_id')).toEqual([
      { problem_id: 'arith/heldout/0001', benchmark: 'arith', difficulty: 2, split: 'heldout', source_kind: 'conjectured', source_dataset: null, source_checkpoint_id: 'ckpt-0' },
      { problem_id: 'arith/train/0001', benchmark: 'arith', difficulty: 1, split: 'train', source_kind: 'dataset', source_dataset: 'arith', source_checkpoint_id: null },
    ]);
  });

  it('projects samples with the benchmark of their problem', async () => {
    const sample = byType('sample.generated');
    expect(await fx.rows('SELECT toString(event_id) AS event_id, sample_id, problem_id, benchmark, checkpoint_id, iteration, attempt, output, tokens, logprob, seed, temperature FROM samples FINAL')).toEqual([
      { event_id: sample.eventId, sample_id: 'run-001/s/1/arith-train-0001/0', problem_id: 'arith/train/0001', benchmark: 'arith', checkpoint_id: 'ckpt-0', iteration: 1, attempt: 0, output: '3+4', tokens: 3, logprob: -1.25, seed: 7, temperature: 1 },
    ]);
  });

  it('projects verdicts and rewards with the checkpoint of their sample', async () => {
    expect(await fx.rows('SELECT sample_id, benchmark, checkpoint_id, iteration, verifier_id, verifier_version, verdict, answer, details FROM verifications FINAL')).toEqual([
      { sample_id: 'run-001/s/1/arith-train-0001/0', benchmark: 'arith', checkpoint_id: 'ckpt-0', iteration: 1, verifier_id: 'arith-exact', verifier_version: '1', verdict: 'correct', answer: '7', details: '{"value":7}' },
    ]);
    expect(await fx.rows('SELECT sample_id, problem_id, checkpoint_id, value, components, reward_function, reward_version FROM rewards FINAL')).toEqual([
      { sample_id: 'run-001/s/1/arith-train-0001/0', problem_id: 'arith/train/0001', checkpoint_id: 'ckpt-0', value: 1, components: { correct: 1, length: 0 }, reward_function: 'binary-with-abstain', reward_version: '1' },
    ]);
  });

  it('projects decisions, batches, checkpoints and evaluations', async () => {
    expect(await fx.rows('SELECT decision_id, iteration, strategy, params, problem_ids, toString(watermark) AS watermark, seed, output_hash FROM curriculum_decisions FINAL')).toEqual([
      { decision_id: 'run-001/curriculum/1', iteration: 1, strategy: 'success-band', params: '{"lo":0.1,"hi":0.9}', problem_ids: ['arith/train/0001'], watermark: '3', seed: 1618, output_hash: 'c'.repeat(64) },
    ]);
    expect(await fx.rows('SELECT batch_id, iteration, sample_ids, epoch, toString(watermark) AS watermark, output_hash FROM replay_batches FINAL')).toEqual([
      { batch_id: 'run-001/batch/1/0', iteration: 1, sample_ids: ['run-001/s/1/arith-train-0001/0'], epoch: 0, watermark: '8', output_hash: 'd'.repeat(64) },
    ]);
    expect(await fx.rows('SELECT checkpoint_id, parent_checkpoint_id, batch_ids, toString(step) AS step, loss, sha256 FROM model_updates FINAL')).toEqual([
      { checkpoint_id: 'ckpt-b3b3b3b3b3b3', parent_checkpoint_id: 'ckpt-0', batch_ids: ['run-001/batch/1/0'], step: '1', loss: 0.693, sha256: 'b3'.repeat(32) },
    ]);
    expect(await fx.rows('SELECT checkpoint_id, benchmark, split, problems, samples_per_problem, k, pass_at_1, pass_at_k, maj_at_k, mean_reward, solved FROM evaluations FINAL')).toEqual([
      { checkpoint_id: 'ckpt-b3b3b3b3b3b3', benchmark: 'arith', split: 'heldout', problems: 50, samples_per_problem: 8, k: 8, pass_at_1: 0.31, pass_at_k: 0.62, maj_at_k: 0.4, mean_reward: 0.33, solved: 31 },
    ]);
  });

  it('links the lineage from checkpoint to samples to batches to the next checkpoint, both ways', async () => {
    const down = (id: string) => fx.rows<{ child_id: string; relation: string }>(`SELECT child_id, relation FROM lineage_edges FINAL WHERE team = 'alpha' AND parent_id = '${id}' ORDER BY child_id, relation`);
    const up = (id: string) => fx.rows<{ parent_id: string; relation: string }>(`SELECT parent_id, relation FROM lineage_edges_by_child FINAL WHERE team = 'alpha' AND child_id = '${id}' ORDER BY parent_id, relation`);
    const sampleId = 'run-001/s/1/arith-train-0001/0';
    expect(await down('ckpt-0')).toEqual([
      { child_id: 'arith/heldout/0001', relation: 'conjectured_by' },
      { child_id: 'ckpt-b3b3b3b3b3b3', relation: 'fine_tuned_from' },
      { child_id: sampleId, relation: 'generated_by' },
    ]);
    expect((await down(sampleId)).map((e) => e.relation).sort()).toEqual(['contains', 'rewards', 'verifies']);
    expect(await down('run-001/batch/1/0')).toEqual([{ child_id: 'ckpt-b3b3b3b3b3b3', relation: 'trained_on' }]);
    expect(await up(sampleId)).toEqual([
      { parent_id: 'arith/train/0001', relation: 'attempts' },
      { parent_id: 'ckpt-0', relation: 'generated_by' },
      { parent_id: 'run-001/curriculum/1', relation: 'derived_from' },
    ]);
  });

  it('feeds the leaderboard aggregates', async () => {
    expect(await fx.rows('SELECT checkpoint_id, problem_id, toUInt32(sum(attempts)) AS n, toUInt32(sum(correct)) AS c FROM leaderboard_verdicts GROUP BY checkpoint_id, problem_id')).toEqual([
      { checkpoint_id: 'ckpt-0', problem_id: 'arith/train/0001', n: 1, c: 1 },
    ]);
  });

  it('projects an event appended twice once, tables and aggregates alike', async () => {
    await fx.append(examples);
    await fx.project();
    const [counts] = await fx.rows(`
      SELECT (SELECT count() FROM events) AS events, (SELECT count() FROM samples) AS samples,
             (SELECT count() FROM verifications) AS verifications, (SELECT count() FROM lineage_edges) AS edges,
             (SELECT count() FROM lineage_edges FINAL) AS distinct_edges, (SELECT sum(attempts) FROM leaderboard_verdicts) AS attempts`);
    expect(Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, Number(v)]))).toEqual({
      events: examples.length, samples: 1, verifications: 1, edges: counts.distinct_edges, distinct_edges: expect.any(Number), attempts: 1,
    });
  });

  it('parks invalid records in the dead-letter topic with the reason and keeps going', async () => {
    const good = { ...byType('run.started'), eventId: '0193a1b2-c3d4-7fff-8abc-0000000000ff', runId: 'run-002' };
    const bad = { ...byType('run.started'), eventId: '0193a1b2-c3d4-7ffe-8abc-0000000000fe', runId: 'run-002', payload: { seed: -1 } };
    await fx.appendRaw([
      { key: 'run-002', value: Buffer.from('{not json') },
      { key: 'run-002', value: Buffer.from(JSON.stringify(bad)) },
      { key: 'run-002', value: Buffer.from(JSON.stringify(good)) },
    ]);
    await fx.project();
    expect(await fx.rows("SELECT run_id FROM runs FINAL WHERE run_id = 'run-002'")).toEqual([{ run_id: 'run-002' }]);
    const partition = await fx.log.partitionFor(TOPICS.deadLetter, 'run-002');
    const letters = await fx.log.read(TOPICS.deadLetter, partition, 0, 10);
    expect(letters.map((letter) => letter.headers?.[DEAD_LETTER_HEADERS.reason])).toEqual([
      expect.stringMatching(/^not valid JSON/),
      expect.stringMatching(/^invalid event: .*\/payload\/config is required/),
    ]);
  });

  it('keeps facts a producer did not report as NULL, not as a made-up zero', async () => {
    const sample = byType('sample.generated') as Extract<XpEvent, { type: 'sample.generated' }>;
    const model = byType('model.updated') as Extract<XpEvent, { type: 'model.updated' }>;
    const unmeasured = { ...sample.payload, sampleId: 'run-003/s/0' };
    for (const field of ['tokens', 'logprob', 'seed'] as const) delete unmeasured[field];
    const unhashed = { ...model.payload, checkpointId: 'ckpt-external' };
    for (const field of ['loss', 'artifactUri', 'sha256'] as const) delete unhashed[field];
    await fx.append([
      { ...sample, eventId: '0193a1b2-c3d4-7ffd-8abc-0000000000fd', runId: 'run-003', payload: unmeasured },
      { ...model, eventId: '0193a1b2-c3d4-7ffc-8abc-0000000000fc', runId: 'run-003', payload: unhashed },
    ]);
    await fx.project();
    expect(await fx.rows("SELECT sample_id, output, tokens, logprob, seed FROM samples FINAL WHERE run_id = 'run-003'")).toEqual([
      { sample_id: 'run-003/s/0', output: sample.payload.output, tokens: null, logprob: null, seed: null },
    ]);
    expect(await fx.rows("SELECT checkpoint_id, toString(step) AS step, loss, artifact_uri, sha256 FROM model_updates FINAL WHERE run_id = 'run-003'")).toEqual([
      { checkpoint_id: 'ckpt-external', step: String(model.payload.step), loss: null, artifact_uri: null, sha256: null },
    ]);
  });
});
