/**
 * A run's continual-learning view: the accuracy matrix as a heatmap (held-out pass@1 of the
 * checkpoint after each round on each benchmark, numbers in the cells), ACC, BWT and forgetting per
 * benchmark, and one held-out pass@1 curve per benchmark.
 */
import { lineChart } from '../chart.js';
import { h, percent } from '../dom.js';

/** Curve colours per benchmark column, in order; distinct from each other on light and dark. */
export const BENCHMARK_COLORS = ['#2563eb', '#ea580c', '#059669', '#7c3aed', '#db2777', '#0891b2', '#ca8a04', '#4b5563'];

/**
 * @typedef {{ benchmark: string, value: number | null, learnedAt: number | null }} TaskForgetting
 * @typedef {{ benchmarks: string[], matrix: Array<Array<number | null>>, iterations: Array<number | null>, checkpoints: string[],
 *   trained: string[][], averageAccuracy: number | null, backwardTransfer: number | null, forgetting: TaskForgetting[] }} Forgetting
 */

export const FORGETTING_FIELDS = 'forgetting { benchmarks matrix iterations checkpoints trained averageAccuracy backwardTransfer forgetting { benchmark value learnedAt } }';

/**
 * @param {Forgetting} forgetting
 * @returns {HTMLElement}
 */
export function forgettingSection(forgetting) {
  if (forgetting.matrix.length === 0) return h('span');
  const label = (/** @type {number} */ row) => String(forgetting.iterations[row] ?? row);
  const learnedAt = new Map(forgetting.forgetting.map((f) => [f.benchmark, f.learnedAt]));
  return h(
    'section',
    { class: 'panel section', 'data-section': 'forgetting' },
    h('div', { class: 'panel-header' }, h('h2', {}, 'Forgetting'), h('span', { class: 'sub' }, 'held-out pass@1 of the checkpoint after each iteration, per benchmark')),
    h('div', { class: 'panel-body' }, summary(forgetting)),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'heatmap', 'data-heatmap': '' },
        h('thead', {}, h('tr', {}, h('th', { class: 'num' }, 'Iteration'), h('th', {}, 'Trained on'), forgetting.benchmarks.map((b) => h('th', { class: 'num', scope: 'col' }, b)))),
        h(
          'tbody',
          {},
          forgetting.matrix.map((row, i) =>
            h(
              'tr',
              { 'data-row': i },
              h('th', { class: 'num', scope: 'row' }, label(i)),
              h('td', { class: 'sub' }, forgetting.trained[i].join(', ') || (i === 0 ? 'initial checkpoint' : '–')),
              row.map((value, j) => cell(value, forgetting.benchmarks[j], i, learnedAt.get(forgetting.benchmarks[j]) === i)),
            ),
          ),
        ),
      ),
    ),
    h('div', { class: 'charts', style: 'padding:16px' }, curves(forgetting, label)),
  );
}

/**
 * @param {number | null} value
 * @param {string} benchmark
 * @param {number} row
 * @param {boolean} taskEnd
 */
function cell(value, benchmark, row, taskEnd) {
  // Lightness from 97% (0) to 35% (1) of one hue; text turns white where the cell gets dark.
  const style = value === null ? '' : `background:hsl(221 83% ${97 - 62 * value}%);color:${value > 0.55 ? '#fff' : '#111827'}`;
  return h(
    'td',
    {
      class: `num heat${taskEnd ? ' task-end' : ''}`,
      style,
      'data-benchmark': benchmark,
      'data-row': row,
      'data-value': value === null ? '' : String(value),
      title: taskEnd ? `${benchmark}: last trained at this row` : benchmark,
    },
    percent(value),
  );
}

/** @param {Forgetting} forgetting */
function summary(forgetting) {
  /** @param {number | null} value */
  const signed = (value) => (value === null ? '–' : `${value > 0 ? '+' : ''}${percent(value)}`);
  /** @type {Array<[string, string]>} */
  const items = [
    ['Average accuracy (ACC)', percent(forgetting.averageAccuracy)],
    ['Backward transfer (BWT)', signed(forgetting.backwardTransfer)],
    ...forgetting.forgetting.map((f) => /** @type {[string, string]} */ ([`Forgetting: ${f.benchmark}`, f.value === null ? (f.learnedAt === null ? 'never trained' : '–') : signed(f.value)])),
  ];
  return h('dl', { class: 'meta', 'data-field': 'forgetting-summary' }, items.map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, v))));
}

/**
 * @param {Forgetting} forgetting
 * @param {(row: number) => string} label
 */
function curves(forgetting, label) {
  const xs = forgetting.matrix.map((_, i) => Number(label(i)));
  return lineChart({
    id: 'forgetting-curves',
    title: 'Held-out pass@1 per benchmark',
    xLabel: 'Iteration',
    xDomain: [Math.min(...xs), Math.max(...xs)],
    yLabel: 'Pass@1',
    yUnit: 'percent',
    yMax: 1,
    wide: true,
    series: forgetting.benchmarks.map((benchmark, j) => ({
      key: `benchmark-${j}`,
      label: benchmark,
      color: BENCHMARK_COLORS[j % BENCHMARK_COLORS.length],
      points: forgetting.matrix.map((row, i) => ({ x: xs[i], y: row[j] })),
    })),
  });
}
