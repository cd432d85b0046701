import type { AnalyticsStore } from '@xp/analytics';
import { queryRows } from '../analytics/query-rows';

export interface RunRow {
  team: string;
  experiment_id: string;
  run_id: string;
  name: string | null;
  config: string | null;
  seed: number | null;
  code_version: string | null;
  parent_run_id: string | null;
  forked_at_offset: string | number | null;
  started_at: string | null;
  finished_at: string | null;
  status: string | null;
}

export interface ExperimentRow {
  experiment_id: string;
  run_count: string | number;
  first_event_at: string | null;
  last_event_at: string | null;
}

export interface IterationRow {
  run_id: string;
  iteration: number;
  samples: string | number;
  train_pass_rate: number | null;
  held_out_pass_at_1: number | null;
  mean_reward: number | null;
  loss: number | null;
  checkpoint_id: string | null;
}

const RUN_COLUMNS = `
  team, experiment_id, run_id,
  anyLast(name) AS name, anyLast(config) AS config, anyLast(seed) AS seed, anyLast(code_version) AS code_version,
  anyLast(parent_run_id) AS parent_run_id, anyLast(forked_at_offset) AS forked_at_offset,
  min(started_at) AS started_at, max(finished_at) AS finished_at, anyLast(status) AS status`;

/** Reads runs and their per-iteration metrics; every query is scoped to one team. */
export class RunsRepository {
  constructor(private readonly store: AnalyticsStore) {}

  experiments(team: string): Promise<ExperimentRow[]> {
    return queryRows(
      this.store,
      `SELECT experiment_id, uniqExact(run_id) AS run_count, min(started_at) AS first_event_at,
              greatest(max(started_at), max(finished_at)) AS last_event_at
       FROM runs WHERE team = {team:String}
       GROUP BY experiment_id ORDER BY last_event_at DESC`,
      { team },
    );
  }

  list(team: string, filter: { experimentId?: string; status?: string }, first: number): Promise<RunRow[]> {
    const having = filter.status === undefined ? '' : filter.status === 'running' ? 'HAVING status IS NULL' : 'HAVING status = {status:String}';
    return queryRows(
      this.store,
      `SELECT ${RUN_COLUMNS} FROM runs
       WHERE team = {team:String} ${filter.experimentId !== undefined ? 'AND experiment_id = {experimentId:String}' : ''}
       GROUP BY team, experiment_id, run_id ${having}
       ORDER BY started_at DESC, run_id LIMIT {first:UInt32}`,
      { team, experimentId: filter.experimentId, status: filter.status, first },
    );
  }

  async byId(team: string, runId: string): Promise<RunRow | undefined> {
    const rows = await queryRows<RunRow>(
      this.store,
      `SELECT ${RUN_COLUMNS} FROM runs WHERE team = {team:String} AND run_id = {runId:String} GROUP BY team, experiment_id, run_id`,
      { team, runId },
    );
    return rows[0];
  }

  /**
   * Per-iteration metrics of several runs in one round trip: training pass rate and held-out pass@1
   * from verdicts (split from the problem), mean reward of training samples, and the loss and
   * checkpoint of the model updates trained on that iteration's batches (for an iteration that trained
   * nothing, such as the initial evaluation, the checkpoint its held-out attempts were sampled with).
   */
  iterations(team: string, runIds: readonly string[]): Promise<IterationRow[]> {
    return queryRows(
      this.store,
      `WITH
         heldout AS (SELECT DISTINCT problem_id FROM problems WHERE team = {team:String} AND run_id IN {runIds:Array(String)} AND split = 'heldout'),
         verdicts AS (
           SELECT run_id, iteration, problem_id IN heldout AS is_heldout, verdict = 'correct' AS correct, checkpoint_id
           FROM verifications WHERE team = {team:String} AND run_id IN {runIds:Array(String)} AND iteration IS NOT NULL
         ),
         by_verdict AS (
           SELECT run_id, assumeNotNull(iteration) AS iteration,
                  countIf(NOT is_heldout) AS samples,
                  if(samples = 0, NULL, countIf(correct AND NOT is_heldout) / samples) AS train_pass_rate,
                  if(countIf(is_heldout) = 0, NULL, countIf(correct AND is_heldout) / countIf(is_heldout)) AS held_out_pass_at_1,
                  anyIf(checkpoint_id, is_heldout) AS evaluated_checkpoint_id
           FROM verdicts GROUP BY run_id, iteration
         ),
         by_reward AS (
           SELECT s.run_id AS run_id, s.iteration AS iteration, avg(r.value) AS mean_reward
           FROM rewards AS r
           INNER JOIN (SELECT run_id, sample_id, iteration FROM samples WHERE team = {team:String} AND run_id IN {runIds:Array(String)}) AS s
             ON s.run_id = r.run_id AND s.sample_id = r.sample_id
           WHERE r.team = {team:String} AND r.run_id IN {runIds:Array(String)} AND r.problem_id NOT IN heldout
           GROUP BY run_id, iteration
         ),
         by_update AS (
           SELECT m.run_id AS run_id, b.iteration AS iteration, argMax(m.loss, m.step) AS loss, argMax(m.checkpoint_id, m.step) AS checkpoint_id
           FROM (SELECT run_id, checkpoint_id, step, loss, arrayJoin(batch_ids) AS batch_id FROM model_updates
                 WHERE team = {team:String} AND run_id IN {runIds:Array(String)}) AS m
           INNER JOIN (SELECT run_id, batch_id, iteration FROM replay_batches WHERE team = {team:String} AND run_id IN {runIds:Array(String)}) AS b
             ON b.run_id = m.run_id AND b.batch_id = m.batch_id
           GROUP BY run_id, iteration
         )
       SELECT v.run_id AS run_id, v.iteration AS iteration, v.samples AS samples, v.train_pass_rate AS train_pass_rate,
              v.held_out_pass_at_1 AS held_out_pass_at_1, r.mean_reward AS mean_reward, u.loss AS loss,
              coalesce(u.checkpoint_id, nullIf(v.evaluated_checkpoint_id, '')) AS checkpoint_id
       FROM by_verdict AS v
       LEFT JOIN by_reward AS r ON r.run_id = v.run_id AND r.iteration = v.iteration
       LEFT JOIN by_update AS u ON u.run_id = v.run_id AND u.iteration = v.iteration
       ORDER BY run_id, iteration
       SETTINGS join_use_nulls = 1`,
      { team, runIds },
    );
  }
}
