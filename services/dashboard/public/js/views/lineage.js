/**
 * The lineage of any node (checkpoint, sample, problem, batch, run): what it was derived from
 * (upstream) and what was derived from it (downstream), two hops each way, grouped by kind.
 */
import { graphql } from '../api.js';
import { dateTime, decimal, enc, h, href } from '../dom.js';
import { emptyState, loading, pageHeader } from './common.js';

const DEPTH = 2;
/** Ids listed per group before "show all". */
const VISIBLE = 6;
/**
 * Neighbours loaded per node and nodes per view: enough for a checkpoint's samples of an iteration,
 * above the API's defaults (10 and 300), which suit a graph drawing rather than grouped lists.
 */
const FAN_OUT = 500;
const LIMIT = 3000;

const LINEAGE = `query Lineage($id: ID!, $depth: Int, $limit: Int, $fanOut: Int) {
  lineage(id: $id, direction: BOTH, depth: $depth, limit: $limit, fanOut: $fanOut) {
    rootId truncated
    nodes { id kind runId distance omittedParents omittedChildren }
    edges { parentId childId relation }
  }
}`;

const SAMPLES = `query SampleDetails($runId: ID!, $filter: SampleFilter) {
  samples(runId: $runId, filter: $filter, first: 100) {
    edges { node { id problemId benchmark checkpointId iteration attempt output tokens logprob verdict verifierId verifierVersion reward occurredAt } }
  }
}`;

const RECENT = `query RecentCheckpoints {
  runs(first: 5) { id iterations { iteration checkpointId } }
}`;

const KIND_LABELS = {
  RUN: ['Run', 'Runs'],
  PROBLEM: ['Problem', 'Problems'],
  SAMPLE: ['Sample', 'Samples'],
  VERIFICATION: ['Verification', 'Verifications'],
  REWARD: ['Reward', 'Rewards'],
  CURRICULUM_DECISION: ['Curriculum decision', 'Curriculum decisions'],
  REPLAY_BATCH: ['Replay batch', 'Replay batches'],
  CHECKPOINT: ['Checkpoint', 'Checkpoints'],
  EVALUATION: ['Evaluation', 'Evaluations'],
  UNKNOWN: ['Unknown', 'Unknown'],
};

/**
 * @typedef {{ id: string, kind: keyof typeof KIND_LABELS, runId: string | null, distance: number, omittedParents: number | null, omittedChildren: number | null }} LineageNode
 * @typedef {{ parentId: string, childId: string, relation: string }} LineageEdge
 * @typedef {{ rootId: string, truncated: boolean, nodes: LineageNode[], edges: LineageEdge[] }} Lineage
 * @typedef {{ side: -1 | 0 | 1, relation: string }} Placement
 */

/** @param {import('./common.js').ViewContext} ctx */
export async function lineageView(ctx) {
  const id = ctx.params.id ?? '';
  const search = searchForm(id, ctx);
  const header = pageHeader({ title: 'Lineage', subtitle: 'Upstream: what a node was derived from. Downstream: what was derived from it.' });
  if (!id) {
    ctx.root.replaceChildren(header, search, loading());
    const data = await graphql(RECENT, {}, { signal: ctx.signal });
    /** @type {Array<{ runId: string, iteration: number, checkpointId: string }>} */
    const recent = data.runs.flatMap((/** @type {any} */ run) =>
      run.iterations.filter((/** @type {any} */ i) => i.checkpointId).map((/** @type {any} */ i) => ({ runId: run.id, iteration: i.iteration, checkpointId: i.checkpointId })).reverse().slice(0, 4),
    );
    ctx.root.replaceChildren(
      header,
      search,
      h(
        'section',
        { class: 'panel section' },
        h('div', { class: 'panel-header' }, h('h2', {}, 'Recent checkpoints')),
        recent.length
          ? h('ul', { class: 'panel-body', style: 'margin:0;list-style:none;display:grid;gap:6px' }, recent.map((r) => h('li', {}, h('a', { class: 'mono', href: href(`/lineage/${enc(r.checkpointId)}`) }, r.checkpointId), h('span', { class: 'sub' }, ` · ${r.runId}, iteration ${r.iteration}`))))
          : emptyState('No checkpoints yet.', 'Enter any sample, problem, batch or run id above.'),
      ),
    );
    return;
  }

  ctx.root.replaceChildren(header, search, loading());
  const { lineage } = /** @type {{ lineage: Lineage }} */ (await graphql(LINEAGE, { id, depth: DEPTH, limit: LIMIT, fanOut: FAN_OUT }, { signal: ctx.signal }));
  const root = lineage.nodes.find((n) => n.distance === 0);
  if (lineage.edges.length === 0) {
    ctx.root.replaceChildren(header, search, h('section', { class: 'panel section', 'data-section': 'lineage' }, emptyState(`Nothing is linked to '${id}'.`, 'Check the id: lineage covers checkpoints, samples, problems, batches, decisions and runs of your team.')));
    return;
  }
  const placement = place(lineage);
  const details = root?.kind === 'SAMPLE' && root.runId ? await sampleDetails(lineage, root.runId, ctx.signal) : null;
  const upstream = lineage.nodes.filter((n) => placement.get(n.id)?.side === -1).length;
  const downstream = lineage.nodes.filter((n) => placement.get(n.id)?.side === 1).length;
  const omitted = lineage.nodes.reduce((sum, n) => sum + (n.omittedParents ?? 0) + (n.omittedChildren ?? 0), 0);
  ctx.root.replaceChildren(
    header,
    search,
    h(
      'section',
      { class: 'panel section panel-body', 'data-section': 'lineage-summary' },
      h('div', { style: 'display:flex;gap:10px;align-items:center;flex-wrap:wrap' }, kindDot(root?.kind ?? 'UNKNOWN'), h('b', {}, kindLabel(root?.kind ?? 'UNKNOWN', 1)), h('span', { class: 'mono' }, id),
        root?.runId ? h('span', { class: 'chip' }, 'run ', h('a', { class: 'mono', href: href(`/runs/${enc(root.runId)}`) }, root.runId)) : null,
        h('span', { class: 'chip' }, `${upstream} upstream`), h('span', { class: 'chip' }, `${downstream} downstream`), h('span', { class: 'chip' }, `${lineage.edges.length} edges`)),
      lineage.truncated ? h('div', { class: 'notice' }, `Showing ${DEPTH} hops each way${omitted > 0 ? ` and at most ${FAN_OUT} links per node (${omitted} more not shown)` : ''}; the graph goes on beyond them. Click a node to walk on from it.`) : null,
    ),
    ...(details ? [details] : []),
    flow(lineage, placement),
  );
}

/**
 * The sample itself (answer, verdict, reward), found through the checkpoint and problem its lineage names.
 * @param {Lineage} lineage
 * @param {string} runId
 * @param {AbortSignal} signal
 */
async function sampleDetails(lineage, runId, signal) {
  const checkpointId = lineage.edges.find((e) => e.childId === lineage.rootId && e.relation === 'generated_by')?.parentId;
  const problemId = lineage.edges.find((e) => e.childId === lineage.rootId && e.relation === 'attempts')?.parentId;
  if (!checkpointId || !problemId) return null;
  const data = await graphql(SAMPLES, { runId, filter: { checkpointId, problemId } }, { signal });
  const sample = data.samples.edges.map((/** @type {any} */ e) => e.node).find((/** @type {any} */ n) => n.id === lineage.rootId);
  if (!sample) return null;
  /** @type {Array<[string, string | Node]>} */
  const facts = [
    ['Verdict', sample.verdict ? h('span', { class: `badge verdict-${sample.verdict.toLowerCase()}` }, sample.verdict.toLowerCase()) : 'not verified'],
    ['Reward', decimal(sample.reward)],
    ['Benchmark', sample.benchmark ?? '–'],
    ['Iteration · attempt', `${sample.iteration} · ${sample.attempt}`],
    ['Verifier', sample.verifierId ? `${sample.verifierId} v${sample.verifierVersion ?? '?'}` : '–'],
    ['Tokens · log-prob', `${sample.tokens} · ${decimal(sample.logprob)}`],
    ['Generated', dateTime(sample.occurredAt)],
  ];
  return h(
    'section',
    { class: 'panel section', 'data-section': 'sample' },
    h('div', { class: 'panel-body' }, h('dl', { class: 'meta' }, facts.map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, v))))),
    h('pre', { class: 'sample-output' }, sample.output),
  );
}

/**
 * Which side of the root each node is on, and by which relation it was reached: a node one hop
 * further than a node upstream (or the root), and its parent, is upstream; likewise downstream.
 * @param {Lineage} lineage
 * @returns {Map<string, Placement>}
 */
function place(lineage) {
  const distance = new Map(lineage.nodes.map((n) => [n.id, n.distance]));
  /** @type {Map<string, Placement>} */
  const placement = new Map([[lineage.rootId, { side: 0, relation: '' }]]);
  const maxDistance = Math.max(0, ...lineage.nodes.map((n) => n.distance));
  for (let d = 1; d <= maxDistance; d++) {
    for (const edge of lineage.edges) {
      const parent = placement.get(edge.parentId);
      const child = placement.get(edge.childId);
      // Walking up: the child is one hop nearer the root and not downstream.
      if (distance.get(edge.parentId) === d && !parent && child && child.side !== 1 && distance.get(edge.childId) === d - 1) {
        placement.set(edge.parentId, { side: -1, relation: edge.relation });
      } else if (distance.get(edge.childId) === d && !child && parent && parent.side !== -1 && distance.get(edge.parentId) === d - 1) {
        placement.set(edge.childId, { side: 1, relation: edge.relation });
      }
    }
  }
  return placement;
}

/**
 * Columns from DEPTH hops upstream to DEPTH hops downstream; in each, one card per kind and relation.
 * @param {Lineage} lineage
 * @param {Map<string, Placement>} placement
 */
function flow(lineage, placement) {
  const columns = [];
  for (let offset = -DEPTH; offset <= DEPTH; offset++) {
    const nodes = lineage.nodes.filter((n) => {
      const p = placement.get(n.id);
      return p && p.side * n.distance === offset && (offset !== 0 || n.distance === 0);
    });
    /** @type {Map<string, { kind: LineageNode['kind'], relation: string, nodes: LineageNode[] }>} */
    const groups = new Map();
    for (const node of nodes) {
      const relation = placement.get(node.id)?.relation ?? '';
      const key = `${node.kind}\u0000${relation}`;
      const group = groups.get(key) ?? { kind: node.kind, relation, nodes: [] };
      group.nodes.push(node);
      groups.set(key, group);
    }
    const title = offset === 0 ? 'Selected' : `${offset < 0 ? 'Upstream' : 'Downstream'} · ${Math.abs(offset)} hop${Math.abs(offset) === 1 ? '' : 's'}`;
    columns.push(
      h(
        'div',
        { class: `flow-column${offset === 0 ? ' root' : ''}`, 'data-offset': offset },
        h('h3', {}, offset < 0 ? `↑ ${title}` : offset > 0 ? `↓ ${title}` : title),
        groups.size
          ? [...groups.values()].sort((a, b) => kindOrder(a.kind) - kindOrder(b.kind) || b.nodes.length - a.nodes.length).map((g) => nodeGroup(g, offset))
          : h('div', { class: 'sub', style: 'padding:4px 2px;color:var(--muted)' }, 'nothing'),
      ),
    );
  }
  return h('section', { class: 'flow', 'data-section': 'lineage' }, columns);
}

/**
 * @param {{ kind: LineageNode['kind'], relation: string, nodes: LineageNode[] }} group
 * @param {number} offset
 */
function nodeGroup(group, offset) {
  const nodes = [...group.nodes].sort((a, b) => a.id.localeCompare(b.id, undefined, { numeric: true }));
  const special =
    group.kind === 'CHECKPOINT' && group.relation === 'fine_tuned_from' && Math.abs(offset) === 1 ? (offset < 0 ? 'Parent checkpoint' : 'Child checkpoint') : null;
  const list = h('ul', {});
  /** @param {number} count */
  const show = (count) => list.replaceChildren(...nodes.slice(0, count).map(nodeItem));
  show(VISIBLE);
  const more =
    nodes.length > VISIBLE
      ? h('button', { type: 'button', class: 'more', onclick: (/** @type {Event} */ e) => { show(nodes.length); /** @type {HTMLElement} */ (e.currentTarget).remove(); } }, `show all ${nodes.length}`)
      : null;
  return h(
    'div',
    { class: 'node-group', 'data-kind': group.kind, 'data-relation': group.relation, 'data-count': nodes.length },
    h('header', {}, kindDot(group.kind), h('span', { class: 'kind-label' }, special ?? kindLabel(group.kind, nodes.length)), h('span', { class: 'count' }, String(nodes.length))),
    group.relation ? h('div', { class: 'relation' }, relationText(group.relation, offset)) : null,
    list,
    more,
  );
}

/** @param {LineageNode} node */
function nodeItem(node) {
  const link = node.kind === 'RUN' ? href(`/runs/${enc(node.id)}`) : href(`/lineage/${enc(node.id)}`);
  return h('li', { 'data-node': node.id, title: node.id }, h('a', { href: link }, node.id));
}

/**
 * @param {string} relation
 * @param {number} offset
 */
function relationText(relation, offset) {
  const words = relation.replace(/_/g, ' ');
  return offset < 0 ? `↑ ${words}` : `↓ ${words}`;
}

/** @param {string} kind */
function kindDot(kind) {
  return h('span', { class: `kind-dot kind-${kind}`, 'aria-hidden': 'true' });
}

/**
 * @param {string} kind
 * @param {number} count
 */
function kindLabel(kind, count) {
  const labels = KIND_LABELS[/** @type {keyof typeof KIND_LABELS} */ (kind)] ?? KIND_LABELS.UNKNOWN;
  return count === 1 ? labels[0] : labels[1];
}

/** @param {string} kind */
function kindOrder(kind) {
  const order = ['CHECKPOINT', 'RUN', 'REPLAY_BATCH', 'CURRICULUM_DECISION', 'PROBLEM', 'SAMPLE', 'VERIFICATION', 'REWARD', 'EVALUATION'];
  const i = order.indexOf(kind);
  return i < 0 ? order.length : i;
}

/**
 * @param {string} id
 * @param {import('./common.js').ViewContext} ctx
 */
function searchForm(id, ctx) {
  const input = h('input', { name: 'id', value: id, placeholder: 'checkpoint, sample, problem, batch or run id', spellcheck: 'false', 'aria-label': 'Node id' });
  const form = h('form', { class: 'panel lineage-search', 'data-form': 'lineage' }, input, h('button', { type: 'submit', class: 'button' }, 'Walk'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = input.value.trim();
    if (value) ctx.navigate(`/lineage/${enc(value)}`);
  });
  return form;
}
