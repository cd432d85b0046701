/** The runs list: status, experiment, start, iterations and the latest held-out pass@1 of every run. */
import { graphql } from '../api.js';
import { duration, enc, h, href, percent, s, statusBadge, timeAgo } from '../dom.js';
import { emptyState, loading, pageHeader } from './common.js';

const RUNS = `query Runs($filter: RunFilter) {
  experiments { id runCount }
  runs(filter: $filter, first: 100) {
    id name experimentId status parentRunId startedAt finishedAt
    iterations { iteration heldOutPassAt1 }
    waitingFor { message }
  }
}`;

/**
 * @typedef {{ id: string, name: string | null, experimentId: string, status: string, parentRunId: string | null,
 *   startedAt: string | null, finishedAt: string | null, iterations: Array<{ iteration: number, heldOutPassAt1: number | null }>,
 *   waitingFor: { message: string } | null }} RunSummary
 */

/** @param {import('./common.js').ViewContext} ctx */
export async function runsView(ctx) {
  const experiment = ctx.query.get('experiment') ?? '';
  const status = ctx.query.get('status') ?? '';
  ctx.root.replaceChildren(pageHeader({ title: 'Runs' }), loading());

  const load = () =>
    /** @type {Promise<{ experiments: Array<{ id: string, runCount: number }>, runs: RunSummary[] }>} */ (
      graphql(RUNS, { filter: { ...(experiment ? { experimentId: experiment } : {}), ...(status ? { status } : {}) } }, { signal: ctx.signal })
    );
  let shown = '';
  const draw = (/** @type {Awaited<ReturnType<typeof load>>} */ data) => {
    // Unchanged data keeps the page as it is (an open filter stays open).
    const json = JSON.stringify(data);
    if (json === shown) return;
    shown = json;
    const running = data.runs.filter((r) => r.status === 'RUNNING').length;
    const filters = h(
      'div',
      { class: 'actions' },
      select('Experiment', 'experiment', experiment, [['', 'All experiments'], ...data.experiments.map((e) => /** @type {[string, string]} */ ([e.id, `${e.id} (${e.runCount})`]))], ctx),
      select('Status', 'status', status, [['', 'Any status'], ['RUNNING', 'Running'], ['SUCCEEDED', 'Succeeded'], ['FAILED', 'Failed'], ['CANCELLED', 'Cancelled']], ctx),
    );
    const subtitle = `${data.runs.length} run${data.runs.length === 1 ? '' : 's'}${running ? `, ${running} running` : ''} · ${data.experiments.length} experiment${data.experiments.length === 1 ? '' : 's'}`;
    ctx.root.replaceChildren(
      pageHeader({ title: 'Runs', subtitle, actions: [filters] }),
      h('section', { class: 'panel', 'data-page': 'runs' }, data.runs.length ? runsTable(data.runs) : noRuns(Boolean(experiment || status))),
    );
  };

  // New runs show up on their own; running ones refresh their iterations.
  draw(await load());
  ctx.poll(4000, async () => {
    draw(await load());
    return true;
  });
}

/** @param {RunSummary[]} runs */
function runsTable(runs) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      {},
      h(
        'thead',
        {},
        h('tr', {}, h('th', {}, 'Run'), h('th', {}, 'Status'), h('th', {}, 'Experiment'), h('th', {}, 'Started'), h('th', {}, 'Duration'),
          h('th', { class: 'num' }, 'Iterations'), h('th', { class: 'num' }, 'Held-out pass@1'), h('th', {}, 'Trend')),
      ),
      h(
        'tbody',
        {},
        runs.map((run) => {
          const trained = run.iterations.filter((i) => i.iteration > 0);
          const last = [...run.iterations].reverse().find((i) => i.heldOutPassAt1 !== null);
          const link = href(`/runs/${enc(run.id)}`);
          return h(
            'tr',
            { 'data-run': run.id, class: 'clickable', onclick: (/** @type {Event} */ e) => { if (!(e.target instanceof HTMLAnchorElement)) location.hash = link; } },
            h(
              'td',
              {},
              h('a', { href: link, class: 'mono' }, run.id),
              run.name ? h('div', { class: 'sub' }, run.name) : null,
              run.parentRunId ? h('div', { class: 'sub' }, 'fork of ', h('a', { href: href(`/runs/${enc(run.parentRunId)}`), class: 'mono' }, run.parentRunId)) : null,
            ),
            h('td', {}, statusBadge(run.status), run.waitingFor ? h('div', { class: 'sub', 'data-field': 'waiting' }, run.waitingFor.message) : null),
            h('td', {}, run.experimentId),
            h('td', {}, timeAgo(run.startedAt)),
            h('td', {}, duration(run.startedAt, run.finishedAt)),
            h('td', { class: 'num' }, String(trained.length)),
            h('td', { class: 'num', 'data-field': 'held-out' }, percent(last?.heldOutPassAt1)),
            h('td', {}, sparkline(run.iterations.map((i) => i.heldOutPassAt1))),
          );
        }),
      ),
    ),
  );
}

/**
 * A tiny line of the held-out pass@1 per iteration.
 * @param {Array<number | null>} values
 */
function sparkline(values) {
  const points = values.map((v, i) => [i, v]).filter((p) => typeof p[1] === 'number');
  if (points.length < 2) return '–';
  const max = Math.max(...points.map((p) => /** @type {number} */ (p[1])), 1e-9);
  const w = 90;
  const hgt = 22;
  const d = points
    .map(([i, v], k) => `${k === 0 ? 'M' : 'L'}${((/** @type {number} */ (i) / (values.length - 1)) * w).toFixed(1)},${(hgt - 2 - (/** @type {number} */ (v) / max) * (hgt - 4)).toFixed(1)}`)
    .join('');
  return s('svg', { class: 'sparkline', width: w, height: hgt, viewBox: `0 0 ${w} ${hgt}`, 'aria-hidden': 'true' }, s('path', { d }));
}

/** @param {boolean} filtered */
function noRuns(filtered) {
  return filtered
    ? emptyState('No runs match these filters.')
    : emptyState('No runs yet.', h('span', {}, 'Start one with ', h('code', {}, 'xp up --demo'), ', the ', h('code', {}, 'startRun'), ' mutation, or ingest events from your own loop.'));
}

/**
 * A select that writes its value into the page's query string.
 * @param {string} label
 * @param {string} name
 * @param {string} value
 * @param {Array<[string, string]>} options
 * @param {import('./common.js').ViewContext} ctx
 */
function select(label, name, value, options, ctx) {
  const element = h('select', { name, 'aria-label': label }, options.map(([v, text]) => h('option', { value: v, selected: v === value }, text)));
  element.addEventListener('change', () => {
    const query = new URLSearchParams(ctx.query);
    if (element.value) query.set(name, element.value);
    else query.delete(name);
    const qs = query.toString();
    ctx.navigate(`/runs${qs ? `?${qs}` : ''}`);
  });
  return element;
}
