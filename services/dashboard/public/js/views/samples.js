/**
 * A run's samples, one card each: the output (monospace, long ones folded, copyable), the problem's
 * statement, the verdict with its verifier version and details, the reward and its components, and a
 * link to the sample's lineage. Filters and the page cursor live in the address, so a page can be
 * shared; paging is the API's cursor paging, one page of the run read per request.
 */
import { graphql } from '../api.js';
import { decimal, enc, h, href } from '../dom.js';
import { emptyState, field, loading, pageHeader } from './common.js';

export const SAMPLES_PER_PAGE = 20;
/** Outputs longer than this many characters or lines start folded. */
const FOLD_CHARS = 600;
const FOLD_LINES = 12;

const VERDICTS = ['CORRECT', 'INCORRECT', 'ERROR', 'ABSTAIN'];

const SAMPLES = `query Samples($runId: ID!, $filter: SampleFilter, $first: Int, $after: String) {
  samples(runId: $runId, filter: $filter, first: $first, after: $after) {
    edges { cursor node {
      id problemId benchmark checkpointId iteration attempt output tokens logprob split purpose statement
      verdict verifierId verifierVersion verificationDetails reward rewardComponents
    } }
    pageInfo { hasNextPage endCursor }
  }
}`;

/**
 * @typedef {{ id: string, problemId: string, benchmark: string | null, checkpointId: string, iteration: number, attempt: number,
 *   output: string, tokens: number, logprob: number, split: string, purpose: string, statement: string | null, verdict: string | null,
 *   verifierId: string | null, verifierVersion: string | null, verificationDetails: unknown, reward: number | null, rewardComponents: unknown }} Sample
 */

/** Filter names in the address and in the API's SampleFilter. */
const FILTERS = /** @type {const} */ (['iteration', 'checkpointId', 'problemId', 'verdict', 'split']);

/** @param {import('./common.js').ViewContext} ctx */
export async function samplesView(ctx) {
  const runId = ctx.params.id;
  const crumbs = h('span', {}, h('a', { href: href('/runs') }, 'Runs'), ' / ', h('a', { class: 'mono', href: href(`/runs/${enc(runId)}`) }, runId), ' / ');
  const header = pageHeader({ title: 'Samples', crumbs, subtitle: 'Every attempt of the run with its verdict and reward; filter to see why a verifier rejects outputs.' });
  ctx.root.replaceChildren(header, loading());

  /** @type {Record<string, unknown>} */
  const filter = {};
  for (const name of FILTERS) {
    const value = ctx.query.get(name);
    if (!value) continue;
    filter[name] = name === 'iteration' ? Number.parseInt(value, 10) : value;
  }
  const after = ctx.query.get('after');
  const data = await graphql(SAMPLES, { runId, filter, first: SAMPLES_PER_PAGE, after: after || null }, { signal: ctx.signal });
  const edges = /** @type {Array<{ cursor: string, node: Sample }>} */ (data.samples.edges);
  const pageInfo = /** @type {{ hasNextPage: boolean, endCursor: string | null }} */ (data.samples.pageInfo);

  const go = (/** @type {URLSearchParams} */ query) => ctx.navigate(`/runs/${enc(runId)}/samples${query.size ? `?${query}` : ''}`);
  const filtersOnly = () => {
    const query = new URLSearchParams(ctx.query);
    query.delete('after');
    return query;
  };
  const pager = h(
    'div',
    { class: 'pager', 'data-section': 'pager' },
    after ? h('button', { type: 'button', class: 'button ghost small', 'data-action': 'first-page', onclick: () => go(filtersOnly()) }, 'First page') : null,
    h('span', { class: 'sub' }, `${edges.length} sample${edges.length === 1 ? '' : 's'} on this page`),
    pageInfo.hasNextPage && pageInfo.endCursor
      ? h('button', {
          type: 'button', class: 'button small', 'data-action': 'next-page',
          onclick: () => {
            const query = filtersOnly();
            query.set('after', /** @type {string} */ (pageInfo.endCursor));
            go(query);
          },
        }, 'Next page')
      : null,
  );
  ctx.root.replaceChildren(
    header,
    h('section', { class: 'panel' }, filterForm(ctx.query, (query) => go(query))),
    h(
      'section',
      { class: 'section', 'data-section': 'samples' },
      edges.length ? edges.map(({ node }) => sampleCard(node)) : h('div', { class: 'panel' }, emptyState('No samples match these filters.', 'Clear a filter, or check the ids.')),
    ),
    h('div', { class: 'section' }, pager),
  );
}

/**
 * @param {URLSearchParams} current
 * @param {(query: URLSearchParams) => void} apply
 */
function filterForm(current, apply) {
  const text = (/** @type {string} */ name, /** @type {number} */ size) => h('input', { name, value: current.get(name) ?? '', spellcheck: 'false', size });
  const iteration = h('input', { name: 'iteration', type: 'number', min: 0, step: 1, value: current.get('iteration') ?? '' });
  const verdict = h('select', { name: 'verdict' }, h('option', { value: '' }, 'any'), VERDICTS.map((v) => h('option', { value: v, selected: current.get('verdict') === v }, v.toLowerCase())));
  const split = h('select', { name: 'split' }, h('option', { value: '' }, 'any'), [['TRAIN', 'train'], ['HELDOUT', 'held-out']].map(([v, label]) => h('option', { value: v, selected: current.get('split') === v }, label)));
  const form = h(
    'form',
    { class: 'toolbar', 'data-form': 'samples' },
    field('Iteration', iteration),
    field('Checkpoint', text('checkpointId', 22)),
    field('Problem', text('problemId', 22)),
    field('Verdict', verdict),
    field('Split', split),
    h('button', { type: 'submit', class: 'button' }, 'Filter'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const query = new URLSearchParams();
    for (const [name, value] of new FormData(form)) if (typeof value === 'string' && value.trim() !== '') query.set(name, value.trim());
    apply(query);
  });
  for (const select of [verdict, split]) select.addEventListener('change', () => form.requestSubmit());
  return form;
}

/** @param {Sample} sample */
function sampleCard(sample) {
  const verdict = (sample.verdict ?? 'unjudged').toLowerCase();
  return h(
    'article',
    { class: 'panel sample', 'data-sample': sample.id },
    h(
      'header',
      { class: 'panel-header' },
      h('div', {}, h('span', { class: 'mono' }, sample.id), h('div', { class: 'sub' },
        `problem ${sample.problemId}${sample.benchmark ? ` (${sample.benchmark})` : ''} · ${sample.split === 'HELDOUT' ? 'held-out' : 'train'} · `,
        `${sample.purpose.toLowerCase()} · iteration ${sample.iteration} · attempt ${sample.attempt} · checkpoint `,
        h('a', { class: 'mono', href: href(`/lineage/${enc(sample.checkpointId)}`) }, sample.checkpointId))),
      h('div', { class: 'sample-end' },
        h('span', { class: `badge verdict-${verdict}`, 'data-field': 'verdict' }, verdict),
        h('span', { class: 'sub', 'data-field': 'reward' }, `reward ${decimal(sample.reward)}`),
        h('a', { class: 'button ghost small', href: href(`/lineage/${enc(sample.id)}`), 'data-action': 'lineage' }, 'Lineage')),
    ),
    h(
      'div',
      { class: 'panel-body sample-body' },
      outputBlock(sample.output, `${sample.tokens} tokens, logprob ${decimal(sample.logprob)}`),
      sample.statement !== null ? h('div', {}, h('h3', {}, 'Problem statement'), h('pre', { class: 'mono block', 'data-field': 'statement' }, sample.statement)) : null,
      h('dl', { class: 'meta' },
        h('div', {}, h('dt', {}, 'Verifier'), h('dd', { class: 'mono', 'data-field': 'verifier' }, sample.verifierId ? `${sample.verifierId}@${sample.verifierVersion ?? '?'}` : '–')),
        h('div', {}, h('dt', {}, 'Verifier details'), h('dd', {}, h('code', { 'data-field': 'details' }, json(sample.verificationDetails)))),
        h('div', {}, h('dt', {}, 'Reward components'), h('dd', {}, h('code', { 'data-field': 'components' }, json(sample.rewardComponents))))),
    ),
  );
}

/**
 * The output in monospace, folded when long, with a button that copies it whole.
 * @param {string} output
 * @param {string} note
 */
function outputBlock(output, note) {
  const long = output.length > FOLD_CHARS || output.split('\n').length > FOLD_LINES;
  const pre = h('pre', { class: `mono block output${long ? ' folded' : ''}`, 'data-field': 'output' }, output === '' ? h('span', { class: 'sub' }, '(empty output)') : output);
  const status = h('span', { class: 'sub', role: 'status' });
  const copy = h('button', {
    type: 'button', class: 'button ghost small', 'data-action': 'copy',
    onclick: async () => {
      try {
        await navigator.clipboard.writeText(output);
        status.textContent = 'copied';
      } catch {
        // No clipboard permission (e.g. plain http): select the text so the reader can copy it.
        getSelection()?.selectAllChildren(pre);
        status.textContent = 'selected: press Ctrl+C';
      }
    },
  }, 'Copy');
  const unfold = long
    ? h('button', {
        type: 'button', class: 'button ghost small', 'data-action': 'unfold',
        onclick: (/** @type {Event} */ event) => {
          const folded = pre.classList.toggle('folded');
          /** @type {HTMLElement} */ (event.currentTarget).textContent = folded ? `Show all ${output.length.toLocaleString('en-US')} characters` : 'Fold';
        },
      }, `Show all ${output.length.toLocaleString('en-US')} characters`)
    : null;
  return h('div', {}, h('div', { class: 'output-head' }, h('h3', {}, 'Output'), h('span', { class: 'sub' }, note), copy, unfold, status), pre);
}

/** @param {unknown} value */
function json(value) {
  return value === null || value === undefined ? '–' : JSON.stringify(value);
}
