import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAnalyticsStore, type AnalyticsStore } from '../analytics-store';
import { resultRows } from '../result-rows';
import { loadMigrations, renderStatements } from './migration-files';
import { migrate } from './migrate';

/** 0014 lets samples and checkpoints hold "not reported" (NULL) and keeps what rows already had. */
describe('migration 0014 on rows projected before it', () => {
  let dir: string;
  let store: AnalyticsStore;
  const optionalFacts = loadMigrations().find((m) => m.version === 14)!;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xp-migrate-0014-'));
    store = await openAnalyticsStore({ kind: 'chdb', path: join(dir, 'analytics'), database: 'xp' });
    await migrate(store, loadMigrations().filter((m) => m.version < 14));
    const common = `'t', 'x', 'r', generateUUIDv4(), 0, now64(3), 0, 0`;
    await store.client.command({
      query: `INSERT INTO samples (team, experiment_id, run_id, event_id, seq, occurred_at, log_partition, log_offset, sample_id, problem_id,
                benchmark, checkpoint_id, iteration, attempt, output, tokens, logprob, seed)
              VALUES (${common}, 'r/s/0', 'p', 'arith', 'ckpt', 0, 0, '4', 12, -0.5, 7)`,
    });
    await store.client.command({
      query: `INSERT INTO model_updates VALUES (${common}, 'ckpt', NULL, [], 3, 0.25, 'file:///c.onnx', '${'a'.repeat(64)}')`,
    });
    await migrate(store);
  });

  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const rows = async (query: string) => resultRows<Record<string, unknown>>(await store.client.query({ query, format: 'JSONEachRow' }));
  const columnTypes = async (table: string, names: string[]) => rows(
    `SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = '${table}' AND name IN (${names.map((n) => `'${n}'`).join(', ')}) ORDER BY name`,
  );

  it('makes the optional facts Nullable and keeps the values old rows had', async () => {
    expect(await columnTypes('samples', ['tokens', 'logprob', 'seed'])).toEqual([
      { name: 'logprob', type: 'Nullable(Float64)' }, { name: 'seed', type: 'Nullable(UInt32)' }, { name: 'tokens', type: 'Nullable(UInt32)' },
    ]);
    expect(await columnTypes('model_updates', ['loss', 'artifact_uri', 'sha256'])).toEqual([
      { name: 'artifact_uri', type: 'Nullable(String)' }, { name: 'loss', type: 'Nullable(Float64)' }, { name: 'sha256', type: 'Nullable(FixedString(64))' },
    ]);
    expect(await rows('SELECT tokens, logprob, seed FROM samples')).toEqual([{ tokens: 12, logprob: -0.5, seed: 7 }]);
    expect(await rows('SELECT loss, artifact_uri, sha256 FROM model_updates')).toEqual([{ loss: 0.25, artifact_uri: 'file:///c.onnx', sha256: 'a'.repeat(64) }]);
  });

  it('goes back to required columns, unknown values becoming the zero the old shape would have held', async () => {
    await store.client.command({
      query: `INSERT INTO model_updates (team, experiment_id, run_id, event_id, seq, occurred_at, log_partition, log_offset, checkpoint_id,
                parent_checkpoint_id, batch_ids, step) VALUES ('t', 'x', 'r', generateUUIDv4(), 1, now64(3), 0, 1, 'ckpt-external', NULL, [], 4)`,
    });
    for (const query of renderStatements(optionalFacts.down, {})) await store.client.command({ query });
    expect(await columnTypes('model_updates', ['loss', 'sha256'])).toEqual([{ name: 'loss', type: 'Float64' }, { name: 'sha256', type: 'FixedString(64)' }]);
    expect(await rows('SELECT checkpoint_id, loss, artifact_uri, sha256 FROM model_updates ORDER BY step')).toEqual([
      { checkpoint_id: 'ckpt', loss: 0.25, artifact_uri: 'file:///c.onnx', sha256: 'a'.repeat(64) },
      { checkpoint_id: 'ckpt-external', loss: 0, artifact_uri: '', sha256: '0'.repeat(64) },
    ]);
  });
});
