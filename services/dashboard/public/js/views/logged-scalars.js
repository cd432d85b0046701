/** Charts of the scalars runs logged with metrics.logged: one chart per name, one series per run, over steps. */
import { lineChart } from '../chart.js';

/** What the run pages ask for: every name, downsampled by the API to this many points each. */
export const METRICS_FIELDS = 'metrics(maxPoints: 400) { name count downsampled points { step value } }';

/**
 * @typedef {{ name: string, count: number, downsampled: boolean, points: Array<{ step: number, value: number | null }> }} MetricSeries
 * @typedef {{ key: string, label: string, color: string, metrics: MetricSeries[] }} RunMetrics
 */

/**
 * @param {RunMetrics[]} runs
 * @returns {HTMLElement[]} one chart per logged name, in name order; none when nothing was logged
 */
export function loggedScalarCharts(runs) {
  const names = [...new Set(runs.flatMap((run) => run.metrics.map((m) => m.name)))].sort();
  return names.map((name) =>
    lineChart({
      id: `metric-${name}`,
      title: name,
      xLabel: 'Step',
      yLabel: name,
      series: runs.map((run) => {
        const series = run.metrics.find((m) => m.name === name);
        const note = series?.downsampled ? ` (${series.points.length} of ${series.count} points)` : '';
        return { key: run.key, label: `${run.label}${note}`, color: run.color, points: (series?.points ?? []).map((p) => ({ x: p.step, y: p.value })) };
      }),
    }),
  );
}
