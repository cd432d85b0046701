/** One run: its facts, config and fork lineage, charts per iteration, and the iteration table. */
import { ApiError, graphql } from '../api.js';
import { lineChart } from '../chart.js';
import { dateTime, decimal, duration, enc, h, href, integer, percent, statusBadge } from '../dom.js';
import { emptyState, loading, pageHeader } from './common.js';
import { MAX_RUNS } from './compare.js';
import { loggedScalarCharts, METRICS_FIELDS } from './logged-scalars.js';
import { FORGETTING_FIELDS, forgettingSection } from './forgetting.js';

/** Series colours: distinct from each other and readable on light and dark backgrounds. */
export const SERIES_COLORS = {
  trainPassRate: '#2563eb',
  heldOutPassAt1: '#ea580c',
  meanReward: '#059669',
  loss: '#7c3aed',
};

const RUN = `query Run($id: ID!) {
  run(id: $id) {
    id name team experimentId status seed codeVersion config parentRunId forkedAtOffset startedAt finishedAt
    iterations { iteration samples trainPassRate heldOutPassAt1 meanReward loss checkpointId }
    ${METRICS_FIELDS}
    waitingFor { message }
    ${FORGETTING_FIELDS}
  }
  runs(first: 100) { id parentRunId forkedAtOffset status }
}`;

/**
 * @typedef {{ iteration: number, samples: number, trainPassRate: number | null, heldOutPassAt1: number | null,
 *   meanReward: number | null, loss: number | null, checkpointId: string | null }} Iteration
 * @typedef {{ id: string, name: string | null, team: string, experimentId: string, status: string, seed: number | null,
 *   codeVersion: string | null, config: any, parentRunId: string | null, forkedAtOffset: number | null,
 *   startedAt: string | null, finishedAt: string | null, iterations: Iteration[], metrics: import('./logged-scalars.js').MetricSeries[],
 *   waitingFor: { message: string } | null,
 *   forgetting: import('./forgetting.js').Forgetting }} Run
 * @typedef {{ run: Run | null, runs: Array<{ id: string, parentRunId: string | null, forkedAtOffset: number | null, status: string }> }} RunData
 */

/** @param {import('./common.js').ViewContext} ctx */
export async function runView(ctx) {
  const id = ctx.params.id;
  const crumbs = h('span', {}, h('a', { href: href('/runs') }, 'Runs'), ' / ');
  ctx.root.replaceChildren(pageHeader({ title: id, crumbs }), loading());
  const load = () => /** @type {Promise<RunData>} */ (graphql(RUN, { id }, { signal: ctx.signal }));
  /** Whether the config section was open, kept across refreshes. */
  let configOpen = false;

  let shown = '';
  const draw = (/** @type {RunData} */ data) => {
    const run = data.run;
    if (!run) throw new ApiError('graphql', `There is no run '${id}' for this key's team.`, [{ message: `run '${id}' not found`, code: 'NOT_FOUND' }]);
    const json = JSON.stringify(data);
    if (json === shown) return run.status === 'RUNNING';
    shown = json;
    const previous = ctx.root.querySelector('details.config');
    if (previous instanceof HTMLDetailsElement) configOpen = previous.open;
    const forks = data.runs.filter((r) => r.parentRunId === run.id);
    const lastCheckpoint = [...run.iterations].reverse().find((i) => i.checkpointId)?.checkpointId;
    const family = [...(run.parentRunId ? [run.parentRunId] : []), run.id, ...forks.map((f) => f.id)].slice(0, MAX_RUNS);
    ctx.root.replaceChildren(
      pageHeader({
        title: h('span', { class: 'mono', style: 'font-size:18px' }, run.id),
        crumbs,
        subtitle: h('span', {}, statusBadge(run.status), ' ', run.name ?? '', run.name ? ' · ' : '', `experiment ${run.experimentId}`,
          run.waitingFor ? h('span', { 'data-field': 'waiting' }, ` · ${run.waitingFor.message}`) : null),
        actions: [
          h('a', { class: 'button ghost', href: href(`/runs/${enc(run.id)}/samples`), 'data-action': 'samples' }, 'Samples'),
          family.length > 1
            ? h('a', { class: 'button ghost', href: href(`/compare?runs=${family.map(enc).join(',')}`), 'data-action': 'compare' }, run.parentRunId ? 'Compare with parent and forks' : 'Compare with forks')
            : null,
          h('a', { class: 'button ghost', href: href(`/leaderboard?experiment=${enc(run.experimentId)}`) }, 'Leaderboard'),
          lastCheckpoint ? h('a', { class: 'button', href: href(`/lineage/${enc(lastCheckpoint)}`) }, 'Latest checkpoint lineage') : null,
        ].filter((x) => x !== null),
      }),
      facts(run, forks),
      charts(run.iterations),
      loggedScalars(run),
      forgettingSection(run.forgetting),
      iterationTable(run.iterations),
      configSection(run.config, configOpen),
    );
    return run.status === 'RUNNING';
  };

  if (draw(await load())) ctx.poll(3000, async () => draw(await load()));
}

/**
 * @param {Run} run
 * @param {RunData['runs']} forks
 */
function facts(run, forks) {
  const curriculum = run.config?.curriculum?.strategy;
  const replay = run.config?.replay?.strategy;
  /** @type {Array<[string, string | Node]>} */
  const items = [
    ['Started', dateTime(run.startedAt)],
    ['Finished', run.finishedAt ? dateTime(run.finishedAt) : run.status === 'RUNNING' ? 'still running' : '–'],
    ['Duration', duration(run.startedAt, run.finishedAt)],
    ['Seed', run.seed === null ? '–' : String(run.seed)],
    ['Code version', run.codeVersion ?? '–'],
    ['Team', run.team],
    ['Strategies', curriculum || replay ? `curriculum ${curriculum ?? '?'}, replay ${replay ?? '?'}` : '–'],
    [
      'Forked from',
      run.parentRunId
        ? h('span', { 'data-field': 'fork' }, h('a', { class: 'mono', href: href(`/runs/${enc(run.parentRunId)}`) }, run.parentRunId), ` at offset ${run.forkedAtOffset ?? '?'}`)
        : 'not a fork',
    ],
    [
      'Forks',
      forks.length
        ? h('span', { 'data-field': 'forks' }, forks.flatMap((f, i) => [i ? ', ' : '', h('a', { class: 'mono', href: href(`/runs/${enc(f.id)}`) }, f.id), ` (offset ${f.forkedAtOffset ?? '?'})`]))
        : 'none',
    ],
  ];
  return h('section', { class: 'panel panel-body', 'data-section': 'facts' }, h('dl', { class: 'meta' }, items.map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, v)))));
}

/** @param {Iteration[]} iterations */
function charts(iterations) {
  if (iterations.length === 0) return h('section', { class: 'panel section' }, emptyState('No iterations yet.', 'Charts appear once the first evaluation is projected.'));
  /** @param {keyof Iteration} key */
  const points = (key) => iterations.map((i) => ({ x: i.iteration, y: /** @type {number | null} */ (i[key]) }));
  /** @type {[number, number]} every chart spans the same iterations */
  const xDomain = [Math.min(...iterations.map((i) => i.iteration)), Math.max(...iterations.map((i) => i.iteration))];
  return h(
    'section',
    { class: 'charts', 'data-section': 'charts' },
    lineChart({
      id: 'pass-rate',
      title: 'Pass rate',
      xLabel: 'Iteration',
      xDomain,
      yLabel: 'Pass rate',
      yUnit: 'percent',
      yMax: 1,
      wide: true,
      series: [
        { key: 'trainPassRate', label: 'Training pass rate', color: SERIES_COLORS.trainPassRate, points: points('trainPassRate') },
        { key: 'heldOutPassAt1', label: 'Held-out pass@1', color: SERIES_COLORS.heldOutPassAt1, points: points('heldOutPassAt1') },
      ],
    }),
    lineChart({
      id: 'mean-reward',
      title: 'Mean reward',
      xLabel: 'Iteration',
      xDomain,
      yLabel: 'Reward',
      series: [{ key: 'meanReward', label: 'Mean reward (training samples)', color: SERIES_COLORS.meanReward, points: points('meanReward') }],
    }),
    lineChart({
      id: 'loss',
      title: 'Training loss',
      xLabel: 'Iteration',
      xDomain,
      yLabel: 'Loss',
      series: [{ key: 'loss', label: 'Loss', color: SERIES_COLORS.loss, points: points('loss') }],
    }),
  );
}

/** @param {Run} run */
function loggedScalars(run) {
  const charts = loggedScalarCharts([{ key: 'logged', label: run.id, color: SERIES_COLORS.trainPassRate, metrics: run.metrics }]);
  return charts.length ? h('section', { class: 'charts', 'data-section': 'logged-scalars' }, charts) : h('span');
}

/** @param {Iteration[]} iterations */
function iterationTable(iterations) {
  if (iterations.length === 0) return h('span');
  return h(
    'section',
    { class: 'panel section', 'data-section': 'iterations' },
    h('div', { class: 'panel-header' }, h('h2', {}, 'Iterations')),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h('tr', {}, h('th', { class: 'num' }, 'Iteration'), h('th', { class: 'num' }, 'Samples'), h('th', { class: 'num' }, 'Train pass rate'),
            h('th', { class: 'num' }, 'Held-out pass@1'), h('th', { class: 'num' }, 'Mean reward'), h('th', { class: 'num' }, 'Loss'), h('th', {}, 'Checkpoint')),
        ),
        h(
          'tbody',
          {},
          [...iterations].reverse().map((i) =>
            h(
              'tr',
              { 'data-iteration': i.iteration },
              h('td', { class: 'num' }, String(i.iteration)),
              h('td', { class: 'num' }, integer(i.samples)),
              h('td', { class: 'num' }, percent(i.trainPassRate)),
              h('td', { class: 'num' }, percent(i.heldOutPassAt1)),
              h('td', { class: 'num' }, decimal(i.meanReward)),
              h('td', { class: 'num' }, decimal(i.loss)),
              h('td', {}, i.checkpointId ? h('a', { class: 'mono', href: href(`/lineage/${enc(i.checkpointId)}`) }, i.checkpointId) : i.iteration === 0 ? h('span', { class: 'sub' }, 'initial checkpoint') : '–'),
            ),
          ),
        ),
      ),
    ),
  );
}

/**
 * @param {unknown} config
 * @param {boolean} open
 */
function configSection(config, open) {
  return h(
    'details',
    { class: 'panel section config', 'data-section': 'config', open },
    h('summary', {}, 'Run configuration'),
    h('pre', {}, config === null || config === undefined ? 'no config recorded' : JSON.stringify(config, null, 2)),
  );
}
