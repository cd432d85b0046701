/**
 * Seeded synthetic projections for the API benchmark: rows written by server-side
 * `INSERT INTO <table> SELECT ... FROM numbers(...)` into the per-type tables the projector's batch
 * fans out into (runs, problems, samples, verifications, rewards, decisions, batches, model updates,
 * evaluations, and the edges it states into lineage_edges), so the views downstream of them
 * (leaderboard aggregates and their projections, the lineage edges derived from samples, verdicts
 * and rewards, lineage by child) fire exactly as in production. The raw `events` table and the
 * projector's ledger are not filled: no read measured here touches them, and their payload JSON
 * would multiply the generation time. Every value is a function of the seed and the row's position.
 *
 * Shape (defaults): 4 teams, each with 5 runs of the expert-iteration loop over 500 problems of one
 * benchmark. Each team's checkpoints form one chain across its runs (run r starts from run r-1's last
 * checkpoint); checkpoint g samples 100 attempts per problem, each attempt is verified and rewarded,
 * 12 replay batches of 64 samples are drawn from them, and checkpoint g+1 is fine-tuned from g on
 * those batches and evaluated. 10M samples = 4 teams x 50 checkpoints x 500 problems x 100 attempts.
 * The edges are what the projector states for the loop's events: sample <- problem, checkpoint and
 * (envelope parent) curriculum decision; verification and reward <- sample; decision <- problems;
 * batch <- samples; checkpoint <- parent checkpoint, batches, run; evaluation <- checkpoint.
 */
import type { AnalyticsStore } from '@xp/analytics';

export const TEAMS = ['alpha', 'beta', 'gamma', 'delta'] as const;
export const BENCHMARK = 'arith';

export interface DataShape {
  seed: number;
  samples: number;
  teams: number;
  problems: number;
  attempts: number;
  runsPerTeam: number;
  batchesPerIteration: number;
  batchSize: number;
  /** Checkpoints that sample, per team (the last may be partial). */
  checkpoints: number;
  /** Checkpoints per run. */
  iterationsPerRun: number;
}

export function dataShape(samples: number, seed: number): DataShape {
  const teams = TEAMS.length;
  const problems = 500;
  const attempts = 100;
  const runsPerTeam = 5;
  const checkpoints = Math.max(1, Math.ceil(samples / (teams * problems * attempts)));
  return {
    seed,
    samples,
    teams,
    problems,
    attempts,
    runsPerTeam,
    batchesPerIteration: 12,
    batchSize: 64,
    checkpoints,
    iterationsPerRun: Math.max(1, Math.ceil(checkpoints / runsPerTeam)),
  };
}

/** 2026-11-01T00:00:00Z; checkpoint g's iteration starts g hours later. */
const T0_MS = 1793491200000;
const HOUR_MS = 3_600_000;

/** SQL expressions for ids, shared by every table so that rows of different tables agree. */
export class Ids {
  constructor(private readonly s: DataShape) {}
  team(t: string) {
    return `arrayElement([${TEAMS.map((x) => `'${x}'`).join(', ')}], toUInt32(${t}) + 1)`;
  }
  run(t: string, r: string) {
    return `concat('run-', ${this.team(t)}, '-', leftPad(toString(${r}), 2, '0'))`;
  }
  experiment(t: string, r: string) {
    return `concat('exp-', ${this.team(t)}, '-', toString(${r} % 2))`;
  }
  checkpoint(t: string, g: string) {
    return `concat('ckpt-', substring(lower(hex(${this.hash('ckpt', t, g)})), 1, 12))`;
  }
  problem(p: string) {
    return `concat('${BENCHMARK}/', if(${p} % 5 = 4, 'heldout', 'train'), '/', leftPad(toString(${p}), 4, '0'))`;
  }
  sample(runId: string, j: string, p: string, a: string) {
    return `concat(${runId}, '/s/', toString(${j}), '/', replaceAll(${this.problem(p)}, '/', '-'), '/', toString(${a}))`;
  }
  decision(runId: string, j: string) {
    return `concat(${runId}, '/curriculum/', toString(${j}))`;
  }
  batch(runId: string, j: string, b: string) {
    return `concat(${runId}, '/batch/', toString(${j}), '/', toString(${b}))`;
  }
  uuid(tag: string, ...parts: string[]) {
    return `reinterpretAsUUID(sipHash128(${this.hashArgs(tag, parts)}))`;
  }
  unit(tag: string, ...parts: string[]) {
    return `(${this.hash(tag, ...parts)} / 18446744073709551616.0)`;
  }
  /** A 64-bit hash of the seed, a tag and integers (cast, so that the same numbers hash alike in every query). */
  hash(tag: string, ...parts: string[]) {
    return `sipHash64(${this.hashArgs(tag, parts)})`;
  }
  private hashArgs(tag: string, parts: string[]) {
    return [`toUInt64(${this.s.seed})`, `'${tag}'`, ...parts.map((p) => `toUInt64(${p})`)].join(', ');
  }
  time(ms: string) {
    return `fromUnixTimestamp64Milli(toInt64(${ms}), 'UTC')`;
  }
}

/** Every attempt of samples [lo, lo + n): ids, verdict and answer. Attempt i = ((g * teams + t) * problems + p) * attempts + a. */
function attemptsSql(s: DataShape, ids: Ids, lo: number, n: number): string {
  const lastCheckpoint = Math.max(1, s.checkpoints - 1);
  return `
    SELECT number AS i,
      i % ${s.attempts} AS a,
      intDiv(i, ${s.attempts}) % ${s.problems} AS p,
      intDiv(i, ${s.attempts * s.problems}) % ${s.teams} AS t,
      intDiv(i, ${s.attempts * s.problems * s.teams}) AS g,
      intDiv(g, ${s.iterationsPerRun}) AS r,
      g % ${s.iterationsPerRun} AS j,
      ${ids.team('t')} AS team,
      ${ids.experiment('t', 'r')} AS experiment_id,
      ${ids.run('t', 'r')} AS run_id,
      ${ids.checkpoint('t', 'g')} AS checkpoint_id,
      ${ids.problem('p')} AS problem_id,
      if(p % 5 = 4, 'heldout', 'train') AS split,
      ${ids.sample('run_id', 'j', 'p', 'a')} AS sample_id,
      ${ids.decision('run_id', 'j')} AS decision_id,
      ${T0_MS} + g * ${HOUR_MS} + (p * ${s.attempts} + a) * 50 + t AS ms,
      j * ${s.problems * s.attempts * 3 + 1000} + (p * ${s.attempts} + a) * 3 + 1 AS seq,
      cityHash64(run_id) % 4 AS log_partition,
      greatest(0.01, least(0.99, 0.65 + 0.5 * g / ${lastCheckpoint} - ${ids.unit('difficulty', 't', 'p')})) AS prob,
      ${ids.unit('verdict', 'i')} AS u,
      ${ids.hash('failure', 'i')} % 100 AS failure,
      multiIf(u < prob, 'correct', failure < 3, 'error', failure < 6, 'abstain', 'incorrect') AS verdict,
      ${ids.hash('truth', 't', 'p')} % 1000 AS truth,
      multiIf(verdict = 'correct', toString(truth),
              verdict = 'incorrect', toString((truth + 1 + ${ids.hash('wrong', 'i')} % 6) % 1000),
              verdict = 'error', 'ERR', '') AS answer
    FROM numbers(${lo}, ${n})`;
}

/** (team, checkpoint) pairs whose attempts are all within the sample count: their loop iteration completed. */
function iterationsSql(s: DataShape, ids: Ids): string {
  const perIteration = s.problems * s.attempts;
  const complete = Math.floor(s.samples / perIteration);
  return `
    SELECT number AS n, n % ${s.teams} AS t, intDiv(n, ${s.teams}) AS g,
      intDiv(g, ${s.iterationsPerRun}) AS r, g % ${s.iterationsPerRun} AS j,
      ${ids.team('t')} AS team, ${ids.experiment('t', 'r')} AS experiment_id, ${ids.run('t', 'r')} AS run_id,
      ${T0_MS} + g * ${HOUR_MS} AS ms,
      j * ${s.problems * s.attempts * 3 + 1000} AS seq0,
      cityHash64(run_id) % 4 AS log_partition
    FROM numbers(${complete})`;
}

export function idsFor(shape: DataShape): Ids {
  return new Ids(shape);
}

export interface GenerationReport {
  seconds: number;
  rows: Record<string, number>;
}

/** Writes the whole data set; `onProgress` hears after each chunk of samples. */
export async function generateData(
  store: AnalyticsStore,
  s: DataShape,
  onProgress: (done: number, total: number, seconds: number) => void = () => {},
): Promise<GenerationReport> {
  const ids = new Ids(s);
  const started = performance.now();
  const run = (query: string) => store.client.command({ query });
  const perIteration = s.problems * s.attempts;

  // Runs (started and finished folded) and the problems each run registered.
  await run(`
    INSERT INTO runs (team, experiment_id, run_id, name, config, seed, code_version, parent_run_id, forked_at_offset,
                      started_at, finished_at, status, iterations, error, summary)
    SELECT ${ids.team('t')}, ${ids.experiment('t', 'r')}, ${ids.run('t', 'r')}, concat('expert iteration ', toString(r)),
           '{"curriculum":{"strategy":"uniform"},"replay":{"strategy":"uniform","batchSize":${s.batchSize}},"attemptsPerProblem":${s.attempts}}',
           toUInt32(r + 1), '0.1.0', NULL, NULL,
           ${ids.time(`${T0_MS} + r * ${s.iterationsPerRun} * ${HOUR_MS}`)},
           ${ids.time(`${T0_MS} + (r + 1) * ${s.iterationsPerRun} * ${HOUR_MS} - 1000`)},
           'succeeded', toUInt32(${s.iterationsPerRun}), NULL, NULL
    FROM (SELECT number % ${s.teams} AS t, intDiv(number, ${s.teams}) AS r FROM numbers(${s.teams * s.runsPerTeam}))
    WHERE r * ${s.iterationsPerRun} < ${s.checkpoints}`);
  await run(`
    INSERT INTO problems (team, experiment_id, run_id, event_id, seq, occurred_at, log_partition, log_offset, problem_id, benchmark,
                          difficulty, split, statement, source_kind, source_dataset, source_version, source_checkpoint_id)
    SELECT ${ids.team('t')}, ${ids.experiment('t', 'r')}, ${ids.run('t', 'r')} AS run_id, ${ids.uuid('problem', 't', 'r', 'p')}, 1 + p,
           ${ids.time(`${T0_MS} + r * ${s.iterationsPerRun} * ${HOUR_MS} + p`)}, cityHash64(run_id) % 4, p,
           ${ids.problem('p')}, '${BENCHMARK}', round(${ids.unit('difficulty', 't', 'p')} * 10, 1),
           if(p % 5 = 4, 'heldout', 'train'),
           concat('{"numbers":[', toString(p % 17), ',', toString(p % 13), '],"target":', toString(${ids.hash('truth', 't', 'p')} % 1000), '}'),
           'dataset', '${BENCHMARK}', '1', NULL
    FROM (SELECT number % ${s.problems} AS p, intDiv(number, ${s.problems}) % ${s.teams} AS t,
                 intDiv(number, ${s.problems * s.teams}) AS r
          FROM numbers(${s.problems * s.teams * s.runsPerTeam}))
    WHERE r * ${s.iterationsPerRun} < ${s.checkpoints}`);

  // One curriculum decision per iteration, selecting every problem (problem -> decision edges).
  const decisions = `
    SELECT team, experiment_id, run_id, ${ids.decision('run_id', 'j')} AS decision_id, j, ms - 1000 AS at, seq0, log_partition, n,
           arrayMap(p -> ${ids.problem('p')}, range(${s.problems})) AS problem_ids
    FROM (${iterationsSql(s, ids)})`;
  await run(`
    INSERT INTO curriculum_decisions (team, experiment_id, run_id, event_id, seq, occurred_at, log_partition, log_offset, decision_id,
                                      iteration, strategy, params, problem_ids, watermark, seed, output_hash)
    SELECT team, experiment_id, run_id, ${ids.uuid('decision', 'n')}, seq0, ${ids.time('at')}, log_partition, seq0, decision_id,
           j, 'uniform', '{}', problem_ids, seq0, toUInt32(n), lower(hex(SHA256(decision_id)))
    FROM (${decisions})`);
  await run(`
    INSERT INTO lineage_edges (team, experiment_id, run_id, parent_id, parent_kind, child_id, child_kind, relation, occurred_at)
    SELECT team, experiment_id, run_id, arrayJoin(problem_ids), 'problem', decision_id, 'decision', 'selects', ${ids.time('at')}
    FROM (${decisions})`);

  // Samples with their verdicts and rewards, in chunks (the views derive their edges and aggregates).
  const chunk = 1_000_000;
  for (let lo = 0; lo < s.samples; lo += chunk) {
    const n = Math.min(chunk, s.samples - lo);
    const attempts = attemptsSql(s, ids, lo, n);
    await run(`
      INSERT INTO samples (team, experiment_id, run_id, event_id, seq, occurred_at, log_partition, log_offset, sample_id, problem_id,
                           benchmark, split, purpose, checkpoint_id, iteration, attempt, output, tokens, logprob, seed, temperature)
      SELECT team, experiment_id, run_id, ${ids.uuid('sample', 'i')}, seq, ${ids.time('ms')}, log_partition, i * 3, sample_id, problem_id,
             '${BENCHMARK}', split, if(split = 'heldout', 'evaluation', 'training'), checkpoint_id, j, a, answer, 5 + ${ids.hash('tokens', 'i')} % 60 AS tok,
             -(tok * 0.25 * ${ids.unit('logprob', 'i')}), toUInt32(${ids.hash('seed', 'i')} % 4294967296), 1.0
      FROM (${attempts})`);
    await run(`
      INSERT INTO lineage_edges (team, experiment_id, run_id, parent_id, parent_kind, child_id, child_kind, relation, occurred_at)
      SELECT team, experiment_id, run_id, decision_id, 'unknown', sample_id, 'sample', 'derived_from', ${ids.time('ms')}
      FROM (${attempts})`);
    await run(`
      INSERT INTO verifications (team, experiment_id, run_id, event_id, seq, occurred_at, log_partition, log_offset, sample_id, problem_id,
                                 benchmark, split, checkpoint_id, iteration, verifier_id, verifier_version, verdict, answer, details)
      SELECT team, experiment_id, run_id, ${ids.uuid('verification', 'i')}, seq + 1, ${ids.time('ms + 10')}, log_partition, i * 3 + 1,
             sample_id, problem_id, '${BENCHMARK}', split, checkpoint_id, j, 'arith-exact', '1', verdict, answer,
             if(verdict = 'error', '{"error":"unparseable output"}', concat('{"value":', if(answer = '', 'null', answer), '}'))
      FROM (${attempts})`);
    await run(`
      INSERT INTO rewards (team, experiment_id, run_id, event_id, seq, occurred_at, log_partition, log_offset, sample_id, problem_id,
                           benchmark, split, checkpoint_id, value, components, reward_function, reward_version)
      SELECT team, experiment_id, run_id, ${ids.uuid('reward', 'i')}, seq + 2, ${ids.time('ms + 20')}, log_partition, i * 3 + 2,
             sample_id, problem_id, '${BENCHMARK}', split, checkpoint_id,
             multiIf(verdict = 'correct', 1.0, verdict = 'abstain', 0.1, 0.0) AS v,
             map('correct', if(verdict = 'correct', 1.0, 0.0), 'abstain', if(verdict = 'abstain', 0.1, 0.0)),
             'binary-with-abstain', '1'
      FROM (${attempts})`);
    onProgress(lo + n, s.samples, (performance.now() - started) / 1000);
  }

  // Replay batches drawn from each iteration's samples (sample -> batch edges).
  const batches = `
    SELECT team, experiment_id, run_id, t, g, j, n, b, ${ids.batch('run_id', 'j', 'b')} AS batch_id, ms + 3000000 + b AS at,
           seq0 + ${perIteration * 3} + b AS seq, log_partition,
           arrayDistinct(arrayMap(k -> ${ids.sample('run_id', 'j', `${ids.hash('pick-p', 'n', 'b', 'k')} % ${s.problems}`, `${ids.hash('pick-a', 'n', 'b', 'k')} % ${s.attempts}`)},
                                  range(${s.batchSize}))) AS sample_ids
    FROM (${iterationsSql(s, ids)}) ARRAY JOIN range(${s.batchesPerIteration}) AS b`;
  await run(`
    INSERT INTO replay_batches (team, experiment_id, run_id, event_id, seq, occurred_at, log_partition, log_offset, batch_id, iteration,
                                strategy, params, sample_ids, epoch, watermark, seed, output_hash)
    SELECT team, experiment_id, run_id, ${ids.uuid('batch', 'n', 'b')}, seq, ${ids.time('at')}, log_partition, seq, batch_id, j,
           'uniform', '{}', sample_ids, 0, seq, toUInt32(n * 100 + b), lower(hex(SHA256(batch_id)))
    FROM (${batches})`);
  await run(`
    INSERT INTO lineage_edges (team, experiment_id, run_id, parent_id, parent_kind, child_id, child_kind, relation, occurred_at)
    SELECT team, experiment_id, run_id, arrayJoin(sample_ids), 'sample', batch_id, 'batch', 'contains', ${ids.time('at')}
    FROM (${batches})`);

  // Each iteration fine-tunes checkpoint g into g + 1 on its batches; g + 1 is then evaluated.
  const updates = `
    SELECT team, experiment_id, run_id, n, g, ${ids.checkpoint('t', 'g + 1')} AS checkpoint_id, ${ids.checkpoint('t', 'g')} AS parent_id,
           arrayMap(b -> ${ids.batch('run_id', 'j', 'b')}, range(${s.batchesPerIteration})) AS batch_ids,
           ms + 3100000 AS at, seq0 + ${perIteration * 3 + 100} AS seq, log_partition, t
    FROM (${iterationsSql(s, ids)})`;
  await run(`
    INSERT INTO model_updates (team, experiment_id, run_id, event_id, seq, occurred_at, log_partition, log_offset, checkpoint_id,
                               parent_checkpoint_id, batch_ids, step, loss, artifact_uri, sha256)
    SELECT team, experiment_id, run_id, ${ids.uuid('update', 'n')}, seq, ${ids.time('at')}, log_partition, seq, checkpoint_id, parent_id,
           batch_ids, g + 1, 0.7 / (1 + g / 10), concat('file:///var/xp/checkpoints/', checkpoint_id, '.onnx'), lower(hex(SHA256(checkpoint_id)))
    FROM (${updates})`);
  await run(`
    INSERT INTO lineage_edges (team, experiment_id, run_id, parent_id, parent_kind, child_id, child_kind, relation, occurred_at)
    SELECT team, experiment_id, run_id, e.1, e.2, checkpoint_id, 'checkpoint', e.3, ${ids.time('at')}
    FROM (${updates})
    ARRAY JOIN arrayConcat([(parent_id, 'checkpoint', 'fine_tuned_from')], arrayMap(x -> (x, 'batch', 'trained_on'), batch_ids),
                           [(run_id, 'run', 'trained_in')]) AS e`);
  const evaluations = `
    SELECT team, experiment_id, run_id, checkpoint_id, toString(${ids.uuid('evaluation', 'n')}) AS evaluation_id, at + 100000 AS at2,
           seq + 1 AS seq2, log_partition, g
    FROM (${updates})`;
  await run(`
    INSERT INTO evaluations (team, experiment_id, run_id, event_id, seq, occurred_at, log_partition, log_offset, checkpoint_id, benchmark,
                             split, problems, samples_per_problem, k, pass_at_1, pass_at_k, maj_at_k, mean_reward, solved)
    SELECT team, experiment_id, run_id, toUUID(evaluation_id), seq2, ${ids.time('at2')}, log_partition, seq2, checkpoint_id, '${BENCHMARK}',
           'heldout', ${s.problems / 5}, 8, 8, 0.3 + g / 200, 0.6 + g / 200, 0.4 + g / 200, 0.3 + g / 200, ${s.problems / 10}
    FROM (${evaluations})`);
  await run(`
    INSERT INTO lineage_edges (team, experiment_id, run_id, parent_id, parent_kind, child_id, child_kind, relation, occurred_at)
    SELECT team, experiment_id, run_id, checkpoint_id, 'checkpoint', evaluation_id, 'evaluation', 'evaluates', ${ids.time('at2')}
    FROM (${evaluations})`);

  const seconds = (performance.now() - started) / 1000;
  return { seconds, rows: await tableRows(store) };
}

export const COUNTED_TABLES = [
  'samples', 'verifications', 'rewards', 'lineage_edges', 'lineage_edges_by_child', 'leaderboard_verdicts', 'leaderboard_rewards',
  'replay_batches', 'model_updates', 'curriculum_decisions', 'evaluations', 'problems', 'runs',
];

export async function tableRows(store: AnalyticsStore): Promise<Record<string, number>> {
  const result = await store.client.query({
    query: `SELECT table, sum(rows) AS row_count, count() AS parts FROM system.parts
            WHERE database = currentDatabase() AND active GROUP BY table`,
    format: 'JSONEachRow',
  });
  const rows = await result.json<{ table: string; row_count: string; parts: string }>();
  return Object.fromEntries(rows.filter((r) => COUNTED_TABLES.includes(r.table)).map((r) => [r.table, Number(r.row_count)]));
}
