import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exampleLines, tempDir, xp } from '../support/cli';

describe('xp project, xp sql and xp rebuild on the embedded stack', () => {
  const dir = tempDir();
  const env = { XP_DATA_DIR: join(dir, 'data') };

  beforeAll(() => {
    const file = join(dir, 'examples.ndjson');
    writeFileSync(file, exampleLines().join('\n') + '\n');
    expect(xp(['ingest', file], { env }).status).toBe(0);
  });

  it('projects the log until caught up and answers read-only SQL in any format', () => {
    const project = xp(['project', '--json'], { env });
    expect(project.stderr).toBe('');
    expect(JSON.parse(project.stdout)).toEqual({ projected: exampleLines().length, rejected: 0 });
    const tsv = xp(['sql', 'SELECT type, count() FROM events GROUP BY type ORDER BY type', '--format', 'TSV'], { env });
    expect(tsv.status).toBe(0);
    expect(tsv.stdout.trim().split('\n')).toEqual([
      'curriculum.decided\t1',
      'evaluation.completed\t1',
      'metrics.logged\t1',
      'model.updated\t1',
      'problem.registered\t2',
      'replay.batch\t1',
      'reward.assigned\t1',
      'run.finished\t1',
      'run.started\t1',
      'sample.generated\t1',
      'sample.verified\t1',
    ]);
    const table = xp(['sql', 'SELECT run_id, status FROM runs FINAL'], { env });
    expect(table.stdout).toMatch(/run_id.*status/);
    expect(table.stdout).toMatch(/run-001.*succeeded/);
  });

  it('refuses statements that write, naming the reason', () => {
    const refused = xp(['sql', 'DROP TABLE events'], { env });
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/^xp: refused: /);
    const insert = xp(['sql', "INSERT INTO runs (team) VALUES ('x')"], { env });
    expect(insert.status).toBe(2);
  });

  it('rebuilds the projections from offset 0 equal to the live ones, row for row', () => {
    const tables = ['events', 'samples', 'verifications', 'rewards', 'lineage_edges', 'runs', 'leaderboard_verdicts'];
    // One query over every projection, each row as JSON, so the comparison is row for row.
    const snapshot = () =>
      xp(['sql', `SELECT * FROM (${tables.map((t) => `SELECT '${t}' AS t, formatRowNoNewline('JSONEachRow', *) AS row FROM ${t} FINAL`).join(' UNION ALL ')}) ORDER BY t, row`, '--format', 'TSV'], { env }).stdout;
    const live = snapshot();
    expect(live.split('\n').length).toBeGreaterThan(20);
    const rebuild = xp(['rebuild', '--json'], { env });
    expect(rebuild.status).toBe(0);
    expect(JSON.parse(rebuild.stdout)).toMatchObject({ records: exampleLines().length, projected: exampleLines().length, rejected: 0 });
    expect(snapshot()).toBe(live);
  });
});

describe('xp demo, replay and fork', () => {
  const dir = tempDir();
  const env = { XP_DATA_DIR: join(dir, 'data') };
  let runId: string;
  let childRunId: string;

  it('runs a short expert-iteration demo and prints its curve as JSON on the last line', () => {
    const demo = xp(['demo', '--iterations', '2', '--seed', '11', '--json'], { env });
    expect(demo.status).toBe(0);
    const lines = demo.stdout.trim().split('\n');
    const summary = JSON.parse(lines[lines.length - 1]);
    runId = summary.runId;
    expect(summary.iterations.map((i: { iteration: number }) => i.iteration)).toEqual([1, 2]);
    const projected = xp(['sql', `SELECT count() FROM samples WHERE run_id = '${runId}'`, '--format', 'TSV'], { env });
    expect(Number(projected.stdout.trim())).toBeGreaterThan(0);
    // The printed curve is the one the log holds: the training pass rate from the verdicts of each
    // iteration's samples, held-out pass@1 from the evaluations of the checkpoint it ended with.
    const sql = (query: string) => xp(['sql', query, '--format', 'JSONEachRow'], { env }).stdout.trim().split('\n').map((line) => JSON.parse(line));
    const trainPassRates = sql(`SELECT s.iteration AS iteration, countIf(v.verdict = 'correct') / count() AS rate
      FROM samples AS s FINAL JOIN verifications AS v FINAL ON v.run_id = s.run_id AND v.sample_id = s.sample_id
      WHERE s.run_id = '${runId}' AND s.problem_id IN (SELECT problem_id FROM problems FINAL WHERE run_id = '${runId}' AND split = 'train')
      GROUP BY iteration ORDER BY iteration`);
    const heldOut = new Map(sql(`SELECT checkpoint_id, sum(pass_at_1 * problems) / sum(problems) AS pass_at_1 FROM evaluations FINAL
      WHERE run_id = '${runId}' AND split = 'heldout' GROUP BY checkpoint_id`).map((row) => [row.checkpoint_id, row.pass_at_1]));
    type Printed = { iteration: number; checkpointId: string; trainPassRate: number; heldOutPassAt1: number };
    expect(summary.iterations.map((it: Printed) => [it.iteration, it.trainPassRate, it.heldOutPassAt1])).toEqual(
      trainPassRates.map((row, i) => [row.iteration, expect.closeTo(row.rate, 9), expect.closeTo(heldOut.get(summary.iterations[i].checkpointId), 9)]),
    );
    expect(summary.iterations.some((it: { trainPassRate: number }) => it.trainPassRate > 0)).toBe(true);
  });

  it('verifies a replay as identical', () => {
    const replay = xp(['replay', runId, '--verify'], { env });
    expect(replay.stdout).toMatch(/^identical \(\d+ decisions\)/);
    expect(replay.status).toBe(0);
  });

  it('forks a run at an offset with another curriculum, recording the parent', () => {
    const events = xp(['events', '--run', runId, '--json'], { env }).stdout.trim().split('\n').map((l) => JSON.parse(l));
    // Fork where the parent's second iteration began: the child keeps iteration 1 and redoes 2 with another curriculum.
    const at = events.find((e) => e.event.type === 'curriculum.decided' && e.event.payload.iteration === 2).offset;
    const fork = xp(['fork', runId, '--at', String(at), '--curriculum', 'drop-solved', '--iterations', '1', '--json'], { env });
    expect(fork.status).toBe(0);
    const lines = fork.stdout.trim().split('\n');
    const child = JSON.parse(lines[lines.length - 1]);
    childRunId = child.runId;
    expect(child).toMatchObject({ parentRunId: runId, forkedAtOffset: at, curriculum: 'drop-solved' });
    expect(child.iterations.map((i: { iteration: number }) => i.iteration)).toEqual([2]);
    const row = xp(['sql', `SELECT parent_run_id, forked_at_offset FROM runs FINAL WHERE run_id = '${child.runId}'`, '--format', 'TSV'], { env });
    expect(row.stdout.trim()).toBe(`${runId}\t${at}`);
    // The child's samples know their benchmark although their problems were registered under the parent.
    const unlabeled = xp(['sql', `SELECT count() AS n, countIf(benchmark = '') AS unlabeled FROM samples WHERE run_id = '${child.runId}'`, '--format', 'TSV'], { env });
    const [samples, missing] = unlabeled.stdout.trim().split('\t').map(Number);
    expect(samples).toBeGreaterThan(0);
    expect(missing).toBe(0);
    expect(xp(['fork', runId, '--at', '3', '--curriculum', 'uniform'], { env }).stderr).toMatch(/has no run.started and first checkpoint below offset 3/);
  });

  it('exports a run and its fork that `xp ingest` takes into another data dir, giving the same projections', () => {
    const exported = xp(['export', '--run', runId, '--run', childRunId], { env });
    expect(exported.status).toBe(0);
    expect(exported.stderr).toMatch(new RegExp(`exported \\d+ events of run ${childRunId}`));
    const file = join(dir, 'runs.ndjson');
    writeFileSync(file, exported.stdout);
    const other = { XP_DATA_DIR: join(dir, 'other') };
    const ingested = xp(['ingest', file], { env: other });
    expect(ingested.stdout).toBe(`accepted ${exported.stdout.trim().split('\n').length}, rejected 0\n`);
    expect(xp(['project'], { env: other }).status).toBe(0);
    // Every projection of the two runs, row for row, less where the log put each event (its own in each data dir).
    const positions = 'log_partition, log_offset';
    const tables: Record<string, string> = {
      events: `* EXCEPT (${positions}, appended_at)`, runs: '*', problems: `* EXCEPT (${positions})`, samples: `* EXCEPT (${positions})`,
      verifications: `* EXCEPT (${positions})`, rewards: `* EXCEPT (${positions})`, curriculum_decisions: `* EXCEPT (${positions})`,
      replay_batches: `* EXCEPT (${positions})`, model_updates: `* EXCEPT (${positions})`, evaluations: `* EXCEPT (${positions})`,
      lineage_edges: '*', leaderboard_verdicts: '*', leaderboard_rewards: '*',
    };
    const runs = `('${runId}', '${childRunId}')`;
    const snapshot = (environment: NodeJS.ProcessEnv) => xp(['sql', `SELECT * FROM (${Object.entries(tables)
      .map(([t, columns]) => `SELECT '${t}' AS t, formatRowNoNewline('JSONEachRow', ${columns}) AS row FROM ${t} FINAL WHERE run_id IN ${runs}`)
      .join(' UNION ALL ')}) ORDER BY t, row`, '--format', 'TSV'], { env: environment }).stdout;
    const source = snapshot(env);
    expect(source.split('\n').length).toBeGreaterThan(1000);
    expect(source).toMatch(/"split":"heldout"/);
    expect(snapshot(other)).toBe(source);
    expect(xp(['export', '--run', 'no-such-run'], { env }).stderr).toMatch(/run 'no-such-run' has no events/);
  });

  it('rejects an unknown strategy with the list of known ones', () => {
    const bad = xp(['demo', '--curriculum', 'telepathy', '--iterations', '1'], { env });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/unknown curriculum strategy 'telepathy' \(known: uniform, success-band, difficulty-ladder, drop-solved, sequential\)/);
  });
});

describe('xp keys', () => {
  it('creates a key printed alone on the last line, lists it without the secret, revokes it', () => {
    const env = { XP_DATA_DIR: join(tempDir(), 'data') };
    const created = xp(['keys', 'create', '--team', 'alpha', '--label', 'ci'], { env });
    expect(created.status).toBe(0);
    const lines = created.stdout.trim().split('\n');
    const key = lines[lines.length - 1];
    expect(key).toMatch(/^xp_[A-Za-z0-9_-]{43}$/);
    const listed = xp(['keys', 'list', '--json'], { env });
    const [entry] = listed.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(entry).toMatchObject({ team: 'alpha', label: 'ci' });
    expect(listed.stdout).not.toContain(key);
    expect(xp(['keys', 'revoke', entry.keyId], { env }).status).toBe(0);
    expect(xp(['keys', 'create', '--team', 'Not A Team'], { env }).status).toBe(2);
  });
});
