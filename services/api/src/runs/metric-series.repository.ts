import type { AnalyticsStore } from '@xp/analytics';
import { queryRows } from '../analytics/query-rows';

export const DEFAULT_MAX_POINTS = 1000;
export const MAX_POINTS_LIMIT = 10_000;
export const MAX_SERIES = 500;

export interface MetricPoint {
  step: number;
  value: number | null;
}

export interface MetricSeries {
  name: string;
  /** Points the run logged for this name, before downsampling. */
  count: number;
  /** True when `points` is a downsampled selection of them. */
  downsampled: boolean;
  points: MetricPoint[];
}

interface SeriesStats {
  name: string;
  points: string | number;
  first_step: string | number;
  last_step: string | number;
}

interface PointRow {
  name: string;
  step: string | number;
  value: number | null;
}

/**
 * Bucket width in steps so that `series` spans at most `buckets` buckets. Each bucket contributes
 * its lowest and its highest point, so a series comes back with at most 2 * buckets points.
 */
export function bucketWidth(firstStep: number, lastStep: number, buckets: number): number {
  return Math.max(1, Math.ceil((lastStep - firstStep + 1) / buckets));
}

/**
 * A run's scalar series from the `metrics` projection. A series with more points than `maxPoints`
 * is downsampled on the server by min/max buckets: its step range is cut into maxPoints / 2 equal
 * buckets and each keeps its lowest and its highest point, so spikes (a loss blow-up, a grad-norm
 * outlier) survive that averaging or every-nth-point sampling would hide. Points whose value was not
 * finite (null) are kept only in series returned whole.
 */
export class MetricSeriesRepository {
  constructor(private readonly store: AnalyticsStore) {}

  async series(team: string, runId: string, names: string[] | undefined, maxPoints: number): Promise<MetricSeries[]> {
    const nameFilter = names ? 'AND name IN {names:Array(String)}' : '';
    const stats = await queryRows<SeriesStats>(
      this.store,
      `SELECT name, count() AS points, min(step) AS first_step, max(step) AS last_step
       FROM metrics WHERE team = {team:String} AND run_id = {runId:String} ${nameFilter}
       GROUP BY name ORDER BY name LIMIT {limit:UInt32}`,
      { team, runId, names, limit: MAX_SERIES },
    );
    const whole = stats.filter((s) => Number(s.points) <= maxPoints).map((s) => s.name);
    const reduced = stats.filter((s) => Number(s.points) > maxPoints);
    const buckets = Math.max(1, Math.floor(maxPoints / 2));
    const [wholeRows, reducedRows] = await Promise.all([
      whole.length === 0 ? [] : this.allPoints(team, runId, whole),
      reduced.length === 0 ? [] : this.bucketExtremes(team, runId, reduced, buckets),
    ]);
    const pointsByName = new Map<string, MetricPoint[]>();
    for (const row of [...wholeRows, ...reducedRows]) {
      let points = pointsByName.get(row.name);
      if (!points) pointsByName.set(row.name, (points = []));
      points.push({ step: Number(row.step), value: row.value });
    }
    return stats.map((s) => ({
      name: s.name,
      count: Number(s.points),
      downsampled: Number(s.points) > maxPoints,
      points: pointsByName.get(s.name) ?? [],
    }));
  }

  private allPoints(team: string, runId: string, names: string[]): Promise<PointRow[]> {
    return queryRows<PointRow>(
      this.store,
      `SELECT name, step, value FROM metrics
       WHERE team = {team:String} AND run_id = {runId:String} AND name IN {names:Array(String)}
       ORDER BY name, step, event_id`,
      { team, runId, names },
    );
  }

  /** Per bucket, the lowest and the highest point (one when they coincide), in step order. */
  private bucketExtremes(team: string, runId: string, stats: SeriesStats[], buckets: number): Promise<PointRow[]> {
    const names = stats.map((s) => s.name);
    const firsts = stats.map((s) => Number(s.first_step));
    const widths = stats.map((s) => bucketWidth(Number(s.first_step), Number(s.last_step), buckets));
    return queryRows<PointRow>(
      this.store,
      `SELECT name, point.1 AS step, point.2 AS value
       FROM (
         SELECT name,
                intDiv(step - transform(name, {names:Array(String)}, {firsts:Array(UInt64)}, toUInt64(0)),
                       transform(name, {names:Array(String)}, {widths:Array(UInt64)}, toUInt64(1))) AS bucket,
                argMin((step, value), (value, step)) AS lowest, argMax((step, value), (value, -step)) AS highest
         FROM metrics
         WHERE team = {team:String} AND run_id = {runId:String} AND name IN {names:Array(String)} AND value IS NOT NULL
         GROUP BY name, bucket
       )
       ARRAY JOIN arrayDistinct([lowest, highest]) AS point
       ORDER BY name, step`,
      { team, runId, names, firsts, widths },
    );
  }
}
