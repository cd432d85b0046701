/** The team leaderboard: one benchmark, one metric, per checkpoint or per run, team-wide or one experiment. */
import { graphql } from '../api.js';
import { decimal, enc, h, href, integer, percent } from '../dom.js';
import { emptyState, errorPanel, field, isAbort, loading, pageHeader } from './common.js';

/** The built-in task suites' benchmarks (the loop's arithmetic and maze families). */
export const BUILT_IN_BENCHMARKS = ['reach-target', 'grid-maze'];

const METRICS = [
  { value: 'PASS_AT_K', label: 'pass@k', usesK: true, unit: 'percent' },
  { value: 'MAJ_AT_K', label: 'maj@k', usesK: true, unit: 'percent' },
  { value: 'MEAN_REWARD', label: 'mean reward', usesK: false, unit: 'number' },
  { value: 'SOLVED', label: 'solved problems', usesK: false, unit: 'count' },
];

const CONTEXT = `query LeaderboardContext {
  experiments { id }
  runs(first: 100) { id experimentId iterations { iteration checkpointId } }
}`;

const BENCHMARKS_OF = `query Benchmarks($runId: ID!) {
  samples(runId: $runId, first: 200) { edges { node { benchmark } } }
}`;

const LEADERBOARD = `query Leaderboard($benchmark: String!, $metric: LeaderboardMetric!, $k: Int, $scope: LeaderboardScope, $experimentId: String,
    $groupBy: LeaderboardGroupBy, $split: Split, $commonProblems: Boolean) {
  leaderboard(benchmark: $benchmark, metric: $metric, k: $k, scope: $scope, experimentId: $experimentId, groupBy: $groupBy, split: $split, commonProblems: $commonProblems) {
    benchmark metric k groupBy split commonProblems { kept leftOut }
    rows { rank checkpointId runId value problems minAttempts solved note }
  }
}`;

/**
 * @typedef {{ rank: number, checkpointId: string | null, runId: string | null, value: number | null, problems: number,
 *   minAttempts: number, solved: number, note: string | null }} Row
 * @typedef {{ experiments: Array<{ id: string }>, runs: Array<{ id: string, experimentId: string, iterations: Array<{ iteration: number, checkpointId: string | null }> }> }} Context
 */

/** @param {import('./common.js').ViewContext} ctx */
export async function leaderboardView(ctx) {
  const state = {
    benchmark: ctx.query.get('benchmark') || BUILT_IN_BENCHMARKS[0],
    metric: METRICS.some((m) => m.value === ctx.query.get('metric')) ? /** @type {string} */ (ctx.query.get('metric')) : 'PASS_AT_K',
    k: Math.max(1, Number.parseInt(ctx.query.get('k') ?? '1', 10) || 1),
    groupBy: ctx.query.get('groupBy') === 'RUN' ? 'RUN' : 'CHECKPOINT',
    experiment: ctx.query.get('experiment') ?? '',
    // Empty: the API's default, held-out where the benchmark has held-out verdicts.
    split: ['TRAIN', 'HELDOUT'].includes(ctx.query.get('split') ?? '') ? /** @type {string} */ (ctx.query.get('split')) : '',
    common: ctx.query.get('common') === '1',
  };
  ctx.root.replaceChildren(pageHeader({ title: 'Leaderboard' }), loading());

  const context = /** @type {Context} */ (await graphql(CONTEXT, {}, { signal: ctx.signal }));
  const benchmarks = await knownBenchmarks(context, ctx.signal);
  /** checkpoint id -> where it was trained */
  const origin = new Map(context.runs.flatMap((run) => run.iterations.filter((i) => i.checkpointId).map((i) => [/** @type {string} */ (i.checkpointId), { runId: run.id, iteration: i.iteration }])));

  const results = h('section', { class: 'panel section', 'data-section': 'leaderboard', 'aria-live': 'polite' }, loading());
  ctx.root.replaceChildren(
    pageHeader({ title: 'Leaderboard', subtitle: 'Team-wide, per benchmark: unbiased pass@k, majority vote, mean reward or solved count; held-out problems by default.' }),
    h('section', { class: 'panel' }, controls(state, benchmarks, context.experiments.map((e) => e.id), ctx)),
    results,
  );

  const metric = /** @type {typeof METRICS[number]} */ (METRICS.find((m) => m.value === state.metric));
  const load = async () => {
    results.replaceChildren(loading());
    try {
      const data = await graphql(
        LEADERBOARD,
        {
          benchmark: state.benchmark,
          metric: state.metric,
          k: state.k,
          groupBy: state.groupBy,
          scope: state.experiment ? 'EXPERIMENT' : 'TEAM',
          experimentId: state.experiment || null,
          split: state.split || null,
          commonProblems: state.common,
        },
        { signal: ctx.signal },
      );
      const rows = /** @type {Row[]} */ (data.leaderboard.rows);
      const common = /** @type {{ kept: number, leftOut: number } | null} */ (data.leaderboard.commonProblems);
      const ranked = `ranked on ${data.leaderboard.split === 'HELDOUT' ? 'held-out' : 'training'} problems${state.split ? '' : ' (default)'}`;
      const kept = common ? `; ${common.kept} problems every row attempted ${state.k}+ times, ${common.leftOut} left out` : '; each row on the problems it attempted';
      results.replaceChildren(
        h('div', { class: 'panel-header' }, h('h2', {}, `${state.benchmark} · ${metricTitle(metric, state.k)}`),
          h('span', { class: 'sub', 'data-field': 'problem-set' }, `${rows.length} ${state.groupBy === 'RUN' ? 'run' : 'checkpoint'}${rows.length === 1 ? '' : 's'}, ${ranked}${kept}`)),
        rows.length ? table(rows, state.groupBy, metric, state.k, origin) : emptyState(`No verified samples for benchmark '${state.benchmark}' yet.`, 'Pick another benchmark, or check the name.'),
      );
    } catch (error) {
      if (isAbort(error)) return;
      results.replaceChildren(h('div', { class: 'panel-body' }, errorPanel(error, load)));
    }
  };
  await load();
}

/**
 * @param {Context} context
 * @param {AbortSignal} signal
 * @returns {Promise<string[]>}
 */
async function knownBenchmarks(context, signal) {
  const names = new Set(BUILT_IN_BENCHMARKS);
  const latest = context.runs[0];
  if (latest) {
    try {
      const data = await graphql(BENCHMARKS_OF, { runId: latest.id }, { signal });
      for (const edge of data.samples.edges) if (edge.node.benchmark) names.add(edge.node.benchmark);
    } catch (error) {
      if (isAbort(error)) throw error;
      // Only suggestions: the built-in names and the free-text field still work.
    }
  }
  return [...names];
}

/**
 * @param {{ benchmark: string, metric: string, k: number, groupBy: string, experiment: string, split: string, common: boolean }} state
 * @param {string[]} benchmarks
 * @param {string[]} experiments
 * @param {import('./common.js').ViewContext} ctx
 */
function controls(state, benchmarks, experiments, ctx) {
  const benchmark = h('input', { name: 'benchmark', list: 'benchmarks', value: state.benchmark, required: true, spellcheck: 'false', size: 18 });
  const datalist = h('datalist', { id: 'benchmarks' }, benchmarks.map((b) => h('option', { value: b })));
  const metric = h('select', { name: 'metric' }, METRICS.map((m) => h('option', { value: m.value, selected: m.value === state.metric }, m.label)));
  const k = h('input', { name: 'k', type: 'number', min: 1, max: 1000, step: 1, value: state.k });
  const groupBy = h('select', { name: 'groupBy' }, [['CHECKPOINT', 'checkpoint'], ['RUN', 'run']].map(([v, label]) => h('option', { value: v, selected: v === state.groupBy }, label)));
  const experiment = h('select', { name: 'experiment' }, h('option', { value: '' }, 'whole team'), experiments.map((e) => h('option', { value: e, selected: e === state.experiment }, e)));
  const split = h('select', { name: 'split' }, [['', 'held-out where evaluated'], ['HELDOUT', 'held-out'], ['TRAIN', 'training']].map(([v, label]) => h('option', { value: v, selected: v === state.split }, label)));
  const common = h('input', { type: 'checkbox', name: 'common', checked: state.common });
  const syncK = () => {
    k.disabled = !METRICS.find((m) => m.value === metric.value)?.usesK;
  };
  syncK();
  const form = h(
    'form',
    { class: 'toolbar', 'data-form': 'leaderboard' },
    field('Benchmark', benchmark, datalist),
    field('Metric', metric),
    field('k', k),
    field('Per', groupBy),
    field('Scope', experiment),
    field('Problems', split),
    field('Only common problems', common),
    h('button', { type: 'submit', class: 'button' }, 'Show'),
  );
  const apply = () => {
    const query = new URLSearchParams({ benchmark: benchmark.value.trim(), metric: metric.value, k: String(Math.max(1, Number(k.value) || 1)), groupBy: groupBy.value });
    if (experiment.value) query.set('experiment', experiment.value);
    if (split.value) query.set('split', split.value);
    if (common.checked) query.set('common', '1');
    ctx.navigate(`/leaderboard?${query}`);
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    apply();
  });
  for (const control of [metric, groupBy, experiment, split, common]) control.addEventListener('change', () => (syncK(), apply()));
  return form;
}

/**
 * @param {typeof METRICS[number]} metric
 * @param {number} k
 */
function metricTitle(metric, k) {
  return metric.usesK ? metric.label.replace('@k', `@${k}`) : metric.label;
}


/**
 * @param {Row[]} rows
 * @param {string} groupBy
 * @param {typeof METRICS[number]} metric
 * @param {number} k
 * @param {Map<string, { runId: string, iteration: number }>} origin
 */
function table(rows, groupBy, metric, k, origin) {
  const best = Math.max(...rows.map((r) => r.value ?? 0), 1e-12);
  const format = (/** @type {number | null} */ v) => (metric.unit === 'percent' ? percent(v) : metric.unit === 'count' ? integer(v) : decimal(v));
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      {},
      h(
        'thead',
        {},
        h('tr', {}, h('th', {}, '#'), h('th', {}, groupBy === 'RUN' ? 'Run' : 'Checkpoint'), groupBy === 'RUN' ? null : h('th', {}, 'Trained in'),
          h('th', { class: 'num' }, metricTitle(metric, k)), h('th', { class: 'num' }, 'Problems'), h('th', { class: 'num' }, 'Solved'), h('th', { class: 'num' }, 'Min attempts'), h('th', {}, 'Note')),
      ),
      h(
        'tbody',
        {},
        rows.map((row) => {
          const from = row.checkpointId ? origin.get(row.checkpointId) : undefined;
          return h(
            'tr',
            { 'data-row': row.checkpointId ?? row.runId ?? '' },
            h('td', {}, h('span', { class: `rank rank-${row.rank}` }, String(row.rank))),
            h(
              'td',
              {},
              row.checkpointId
                ? h('a', { class: 'mono', href: href(`/lineage/${enc(row.checkpointId)}`), title: 'Lineage of this checkpoint' }, row.checkpointId)
                : row.runId
                  ? h('a', { class: 'mono', href: href(`/runs/${enc(row.runId)}`) }, row.runId)
                  : '–',
            ),
            groupBy === 'RUN'
              ? null
              : h('td', {}, from ? h('span', {}, h('a', { class: 'mono', href: href(`/runs/${enc(from.runId)}`) }, from.runId), h('span', { class: 'sub' }, ` · iteration ${from.iteration}`)) : h('span', { class: 'sub' }, 'initial or external')),
            h(
              'td',
              { class: 'num', 'data-field': 'value' },
              h('div', { class: 'bar-cell' }, h('div', { class: 'bar' }, h('span', { style: `width:${Math.max(0, ((row.value ?? 0) / best) * 100).toFixed(1)}%` })), h('b', {}, format(row.value))),
            ),
            h('td', { class: 'num' }, integer(row.problems)),
            h('td', { class: 'num' }, integer(row.solved)),
            h('td', { class: 'num' }, integer(row.minAttempts)),
            h('td', { class: 'sub' }, row.note ?? ''),
          );
        }),
      ),
    ),
  );
}
