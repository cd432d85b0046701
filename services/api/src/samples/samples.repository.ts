import type { AnalyticsStore } from '@xp/analytics';
import { queryRows } from '../analytics/query-rows';

export interface SampleRow {
  run_id: string;
  sample_id: string;
  problem_id: string;
  benchmark: string;
  checkpoint_id: string;
  iteration: number;
  attempt: number;
  output: string;
  tokens: number | null;
  logprob: number | null;
  occurred_at: string;
  split: string;
  purpose: string;
}

export interface SampleJudgement {
  sample_id: string;
  verdict: string | null;
  verifier_id: string | null;
  verifier_version: string | null;
  details: string | null;
  reward: number | null;
  components: Record<string, number> | null;
}

export interface SampleFilter {
  verdict?: string;
  problemId?: string;
  checkpointId?: string;
  iteration?: number;
  split?: string;
}

const SAMPLE_COLUMNS = 'run_id, sample_id, problem_id, benchmark, checkpoint_id, iteration, attempt, output, tokens, logprob, occurred_at, split, purpose';

/**
 * A run's samples in sample-id order (the table's sort key), paged by keyset on that id. With a
 * verdict filter the page is driven by the verdicts: verifications are sorted like samples and carry
 * the sample's problem, checkpoint and iteration, so the page's ids are read in order from them and
 * the read stops after one page, instead of collecting every matching id of the run first. Should a
 * verdict's sample be missing or disagree with it, the page is read the exhaustive way instead.
 */
export class SamplesRepository {
  constructor(private readonly store: AnalyticsStore) {}

  async page(team: string, runId: string, filter: SampleFilter, after: string | undefined, limit: number): Promise<SampleRow[]> {
    if (filter.verdict !== undefined) {
      const rows = await this.pageByVerdict(team, runId, filter, after, limit);
      if (rows !== undefined) return rows;
    }
    const where = ['team = {team:String}', 'run_id = {runId:String}'];
    if (after !== undefined) where.push('sample_id > {after:String}');
    where.push(...sampleFilters(filter));
    if (filter.verdict !== undefined) {
      where.push(`sample_id IN (SELECT sample_id FROM verifications
                   WHERE team = {team:String} AND run_id = {runId:String} AND verdict = {verdict:String})`);
    }
    return queryRows(
      this.store,
      `SELECT ${SAMPLE_COLUMNS}
       FROM samples WHERE ${where.join(' AND ')}
       ORDER BY sample_id LIMIT 1 BY sample_id LIMIT {limit:UInt32}`,
      { team, runId, after, limit, ...filter },
    );
  }

  /**
   * One page read from the verdicts in sample order; undefined when a verdict's sample row does not
   * match it. The ids are read with a plain ORDER BY ... LIMIT, which stops after the page (LIMIT BY
   * or DISTINCT would read the whole run); a sample judged more than once appears once per verdict,
   * so a page short of distinct ids is read again with room for repeats.
   */
  private async pageByVerdict(team: string, runId: string, filter: SampleFilter, after: string | undefined, limit: number): Promise<SampleRow[] | undefined> {
    const judged = ['team = {team:String}', 'run_id = {runId:String}', 'verdict = {verdict:String}', ...sampleFilters(filter)];
    if (after !== undefined) judged.push('sample_id > {after:String}');
    const sampled = ['team = {team:String}', 'run_id = {runId:String}', 'sample_id IN page_ids', ...sampleFilters(filter)];
    for (const fetch of [limit, limit * 4]) {
      const rows = await queryRows<SampleRow & { page_id: string; found: number }>(
        this.store,
        `WITH page_ids AS (
           SELECT sample_id FROM verifications WHERE ${judged.join(' AND ')}
           ORDER BY sample_id LIMIT {fetch:UInt32}
         )
         SELECT p.sample_id AS page_id, s.sample_id != '' AS found, ${SAMPLE_COLUMNS.split(', ').map((c) => `s.${c} AS ${c}`).join(', ')}
         FROM page_ids AS p
         LEFT JOIN (SELECT ${SAMPLE_COLUMNS} FROM samples WHERE ${sampled.join(' AND ')} LIMIT 1 BY sample_id) AS s ON s.sample_id = p.sample_id
         ORDER BY page_id`,
        { team, runId, after, fetch, ...filter },
      );
      if (rows.some((r) => !r.found)) return undefined;
      const page: SampleRow[] = [];
      for (const { page_id: id, found: _found, ...row } of rows) if (page.length === 0 || page[page.length - 1].sample_id !== id) page.push(row);
      // Fewer verdicts than asked for means the run has no more; otherwise enough distinct ids make the page.
      if (rows.length < fetch || page.length >= limit) return page.slice(0, limit);
    }
    return undefined;
  }

  /** Latest verdict and reward of each sample of a run's page, in one query (the run narrows the sort-key range read). */
  judgements(team: string, runId: string, sampleIds: readonly string[]): Promise<SampleJudgement[]> {
    return queryRows(
      this.store,
      `SELECT coalesce(v.sample_id, r.sample_id) AS sample_id, v.verdict AS verdict, v.verifier_id AS verifier_id, v.verifier_version AS verifier_version,
              v.details AS details, r.reward AS reward, r.components AS components
       FROM (SELECT sample_id, argMax(toString(verdict), occurred_at) AS verdict, argMax(verifier_id, occurred_at) AS verifier_id,
                    argMax(verifier_version, occurred_at) AS verifier_version, argMax(details, occurred_at) AS details
             FROM verifications WHERE team = {team:String} AND run_id = {runId:String} AND sample_id IN {ids:Array(String)} GROUP BY sample_id) AS v
       FULL OUTER JOIN (SELECT sample_id, argMax(value, occurred_at) AS reward, argMax(components, occurred_at) AS components FROM rewards
             WHERE team = {team:String} AND run_id = {runId:String} AND sample_id IN {ids:Array(String)} GROUP BY sample_id) AS r
       ON r.sample_id = v.sample_id
       SETTINGS join_use_nulls = 1`,
      { team, runId, ids: sampleIds },
    );
  }

  /** The statements of a page's problems, as the run (or, for a fork, its ancestors) registered them. */
  async statements(team: string, runId: string, problemIds: readonly string[]): Promise<Map<string, string>> {
    const rows = await queryRows<{ problem_id: string; statement: string }>(
      this.store,
      `SELECT problem_id, argMax(statement, run_id = {runId:String}) AS statement
       FROM problems WHERE team = {team:String} AND problem_id IN {ids:Array(String)} GROUP BY problem_id`,
      { team, runId, ids: [...new Set(problemIds)] },
    );
    return new Map(rows.map((row) => [row.problem_id, row.statement]));
  }
}

function sampleFilters(filter: SampleFilter): string[] {
  const where: string[] = [];
  if (filter.problemId !== undefined) where.push('problem_id = {problemId:String}');
  if (filter.checkpointId !== undefined) where.push('checkpoint_id = {checkpointId:String}');
  if (filter.iteration !== undefined) where.push('iteration = {iteration:UInt32}');
  if (filter.split !== undefined) where.push('split = {split:String}');
  return where;
}
