import { evaluationRounds, forgettingReport, type AnalyticsStore, type ForgettingReport } from '@xp/analytics';
import { queryRows } from '../analytics/query-rows';

interface EvaluationRow {
  checkpoint_id: string;
  benchmark: string;
  pass_at_1: number;
  log_offset: string | number;
}

interface TrainingRow {
  benchmark: string;
  iteration: string | number;
  last_offset: string | number;
}

/**
 * A run's forgetting matrix from the projections alone: its held-out evaluation.completed rows and
 * its training samples (any sample whose problem is not registered as held-out), so a run logged by
 * an external loop gets the same matrix as a built-in one.
 */
export class ForgettingRepository {
  constructor(private readonly store: AnalyticsStore) {}

  async forRun(team: string, runId: string): Promise<ForgettingReport> {
    const [evaluations, training] = await Promise.all([
      queryRows<EvaluationRow>(
        this.store,
        `SELECT checkpoint_id, benchmark, pass_at_1, log_offset FROM evaluations
         WHERE team = {team:String} AND run_id = {runId:String} AND split = 'heldout'
         LIMIT 1 BY event_id`,
        { team, runId },
      ),
      queryRows<TrainingRow>(
        this.store,
        `SELECT benchmark, iteration, max(log_offset) AS last_offset FROM samples
         WHERE team = {team:String} AND run_id = {runId:String}
           AND problem_id NOT IN (SELECT problem_id FROM problems WHERE team = {team:String} AND split = 'heldout')
         GROUP BY benchmark, iteration`,
        { team, runId },
      ),
    ]);
    return forgettingReport(evaluationRounds(
      evaluations.map((e) => ({ checkpointId: e.checkpoint_id, benchmark: e.benchmark, passAt1: e.pass_at_1, offset: Number(e.log_offset) })),
      training.map((t) => ({ benchmark: t.benchmark, iteration: Number(t.iteration), lastOffset: Number(t.last_offset) })),
    ));
  }
}
