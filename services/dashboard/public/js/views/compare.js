/**
 * Two to eight runs side by side (a run and its forks, say): their curves overlaid on shared axes,
 * the scalars they logged, and the configuration settings in which they differ.
 */
import { graphql } from '../api.js';
import { lineChart } from '../chart.js';
import { enc, h, href, statusBadge } from '../dom.js';
import { emptyState, loading, pageHeader } from './common.js';
import { loggedScalarCharts, METRICS_FIELDS } from './logged-scalars.js';

export const MIN_RUNS = 2;
export const MAX_RUNS = 8;
/** One colour per compared run, told apart on light and dark backgrounds. */
export const RUN_COLORS = ['#2563eb', '#ea580c', '#059669', '#7c3aed', '#db2777', '#0891b2', '#ca8a04', '#4b5563'];

const RUNS = `query CompareChoices { runs(first: 100) { id name status parentRunId } }`;
const RUN = `query CompareRun($id: ID!) {
  run(id: $id) {
    id name seed parentRunId forkedAtOffset config
    iterations { iteration trainPassRate heldOutPassAt1 meanReward loss }
    ${METRICS_FIELDS}
  }
}`;

const CURVES = /** @type {const} */ ([
  { id: 'trainPassRate', title: 'Training pass rate', yLabel: 'Pass rate', percent: true },
  { id: 'heldOutPassAt1', title: 'Held-out pass@1', yLabel: 'Pass@1', percent: true },
  { id: 'meanReward', title: 'Mean reward', yLabel: 'Reward', percent: false },
  { id: 'loss', title: 'Training loss', yLabel: 'Loss', percent: false },
]);

/**
 * @typedef {{ id: string, name: string | null, seed: number | null, parentRunId: string | null, forkedAtOffset: number | null, config: any,
 *   iterations: Array<{ iteration: number, trainPassRate: number | null, heldOutPassAt1: number | null, meanReward: number | null, loss: number | null }>,
 *   metrics: import('./logged-scalars.js').MetricSeries[] }} ComparedRun
 */

/** @param {import('./common.js').ViewContext} ctx */
export async function compareView(ctx) {
  const chosen = [...new Set((ctx.query.get('runs') ?? '').split(',').map((id) => id.trim()).filter(Boolean))];
  ctx.root.replaceChildren(pageHeader({ title: 'Compare runs' }), loading());
  const choices = /** @type {{ runs: Array<{ id: string, name: string | null, status: string, parentRunId: string | null }> }} */ (
    await graphql(RUNS, {}, { signal: ctx.signal })
  ).runs;
  const header = pageHeader({ title: 'Compare runs', subtitle: `Pick ${MIN_RUNS} to ${MAX_RUNS} runs: their curves on shared axes and the settings in which they differ.` });
  const picker = runPicker(choices, chosen, (ids) => ctx.navigate(`/compare?runs=${ids.map(enc).join(',')}`));
  if (chosen.length < MIN_RUNS || chosen.length > MAX_RUNS) {
    const message = chosen.length > MAX_RUNS ? `${chosen.length} runs picked: compare at most ${MAX_RUNS}.` : `Pick at least ${MIN_RUNS} runs to compare.`;
    ctx.root.replaceChildren(header, picker, h('section', { class: 'panel section', 'data-section': 'comparison' }, emptyState(message)));
    return;
  }
  const runs = await Promise.all(chosen.map(async (id) => {
    const data = await graphql(RUN, { id }, { signal: ctx.signal });
    if (!data.run) throw new Error(`There is no run '${id}' for this key's team.`);
    return /** @type {ComparedRun} */ (data.run);
  }));
  ctx.root.replaceChildren(header, picker, curves(runs), loggedSection(runs), configDiff(runs));
}

/**
 * @param {Array<{ id: string, name: string | null, status: string, parentRunId: string | null }>} choices
 * @param {string[]} chosen
 * @param {(ids: string[]) => void} apply
 */
function runPicker(choices, chosen, apply) {
  const boxes = choices.map((run) => h('input', { type: 'checkbox', name: 'run', value: run.id, checked: chosen.includes(run.id) }));
  const form = h(
    'form',
    { class: 'panel-body run-picker', 'data-form': 'compare' },
    h('div', { class: 'choices' }, choices.map((run, i) =>
      h('label', { class: 'chip' }, boxes[i], h('span', { class: 'mono' }, run.id), run.parentRunId ? h('span', { class: 'sub' }, `fork of ${run.parentRunId}`) : null, statusBadge(run.status)))),
    h('button', { type: 'submit', class: 'button' }, 'Compare'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    // Runs already compared keep their places (and colours); newly picked ones follow.
    const picked = boxes.filter((box) => box.checked).map((box) => box.value);
    apply([...chosen.filter((id) => picked.includes(id)), ...picked.filter((id) => !chosen.includes(id))]);
  });
  return h('section', { class: 'panel' }, form);
}

/** @param {ComparedRun[]} runs */
function curves(runs) {
  const all = runs.flatMap((run) => run.iterations.map((i) => i.iteration));
  /** @type {[number, number]} */
  const xDomain = [Math.min(...all, 0), Math.max(...all, 1)];
  return h(
    'section',
    { class: 'charts', 'data-section': 'comparison' },
    CURVES.map((curve) =>
      lineChart({
        id: curve.id,
        title: curve.title,
        xLabel: 'Iteration',
        xDomain,
        yLabel: curve.yLabel,
        yUnit: curve.percent ? 'percent' : 'number',
        yMax: curve.percent ? 1 : undefined,
        series: runs.map((run, i) => ({
          key: run.id,
          label: run.id,
          color: RUN_COLORS[i],
          points: run.iterations.map((it) => ({ x: it.iteration, y: it[curve.id] })),
        })),
      }),
    ),
  );
}

/** @param {ComparedRun[]} runs */
function loggedSection(runs) {
  const charts = loggedScalarCharts(runs.map((run, i) => ({ key: run.id, label: run.id, color: RUN_COLORS[i], metrics: run.metrics })));
  return charts.length ? h('section', { class: 'charts', 'data-section': 'logged-scalars' }, charts) : h('span');
}

/**
 * Every setting (config paths, seed, parent) whose value is not the same in all runs.
 * @param {ComparedRun[]} runs
 */
function configDiff(runs) {
  const flat = runs.map((run) => ({ seed: run.seed, parent: run.parentRunId, 'forked at offset': run.forkedAtOffset, ...flatten(run.config, 'config') }));
  const keys = [...new Set(flat.flatMap((f) => Object.keys(f)))].sort();
  const show = (/** @type {unknown} */ v) => (v === undefined || v === null ? '–' : typeof v === 'string' ? v : JSON.stringify(v));
  const differing = keys.filter((key) => new Set(flat.map((f) => show(/** @type {Record<string, unknown>} */ (f)[key]))).size > 1);
  return h(
    'section',
    { class: 'panel section', 'data-section': 'config-diff' },
    h('div', { class: 'panel-header' }, h('h2', {}, 'Settings that differ'), h('span', { class: 'sub' }, `${differing.length} of ${keys.length} differ`)),
    differing.length === 0
      ? emptyState('The runs share every setting.')
      : h('div', { class: 'table-wrap' }, h('table', {},
          h('thead', {}, h('tr', {}, h('th', {}, 'Setting'), runs.map((run, i) => h('th', {}, h('span', { class: 'swatch', style: `background:${RUN_COLORS[i]}` }), ' ', h('a', { class: 'mono', href: href(`/runs/${enc(run.id)}`) }, run.id))))),
          h('tbody', {}, differing.map((key) => h('tr', { 'data-setting': key }, h('td', { class: 'mono' }, key), flat.map((f) => h('td', { class: 'mono' }, show(/** @type {Record<string, unknown>} */ (f)[key])))))))),
  );
}

/**
 * Leaves of a JSON value by dotted path; arrays count as one value.
 * @param {unknown} value
 * @param {string} path
 * @returns {Record<string, unknown>}
 */
function flatten(value, path) {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { [path]: value };
  return Object.fromEntries(Object.entries(value).flatMap(([key, inner]) => Object.entries(flatten(inner, `${path}.${key}`))));
}
