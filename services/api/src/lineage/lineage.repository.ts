import { lineageOf, resultRows, type AnalyticsStore } from '@xp/analytics';
import type { ProjectedWrite } from '@xp/projector';
import type { ProjectionCache } from '../analytics/projection-cache';

export type WalkDirection = 'UP' | 'DOWN' | 'BOTH';

export interface LineageNodeOut {
  id: string;
  kind: string;
  runId: string | null;
  distance: number;
  /**
   * Edges to parents this node has beyond those the walk returns; null when its parents were not
   * looked up. Counted from stored edges: one stated twice counts twice until ClickHouse merges the copies.
   */
  omittedParents: number | null;
  /** Edges to children beyond those the walk returns, counted likewise; null when its children were not looked up. */
  omittedChildren: number | null;
}

export interface LineageEdgeOut {
  parentId: string;
  childId: string;
  relation: string;
}

export interface LineageWalk {
  nodes: LineageNodeOut[];
  edges: LineageEdgeOut[];
  truncated: boolean;
}

export interface WalkLimits {
  /** The most nodes the walk returns, the start node included. */
  nodes: number;
  /** The most parents and the most children the walk follows from any one node. */
  fanOut: number;
}

/** Upper bound of `WalkLimits.nodes` and `WalkLimits.fanOut`. */
export const MAX_LINEAGE_NODES = 5000;

/**
 * The most neighbours one hop reads in all: a wide frontier gets a narrower fan-out per node, so a
 * hop's answer stays a few hundred kilobytes whatever the limits.
 */
const MAX_HOP_LINKS = MAX_LINEAGE_NODES * 4;

type Side = 'up' | 'down';
/** A neighbour of a frontier node: its id and kind, the edge's relation and run. */
export type Link = [id: string, kind: string, relation: string, runId: string];
/**
 * One frontier node's neighbours on one side: the node's kind as its edges state it ('' when none
 * does), how many edges it has, and the first ones in neighbour id order.
 */
type HopRow = [side: Side, nodeId: string, nodeKind: string, total: number, links: Link[]];
/**
 * A node's neighbours on one side as a hop read them: its first `fanOut` links, enough for any
 * later hop that asks for as many or fewer (or for any hop at all when they are all of them).
 */
export interface CachedNeighbours {
  nodeKind: string;
  total: number;
  links: Link[];
  fanOut: number;
}

/** How many links the neighbour cache keeps in all (a link is four short strings). */
export const LINEAGE_CACHE_LINKS = 200_000;

/** The cache key of a node's neighbours on one side, within its team. */
function neighbourKey(team: string, side: Side, nodeId: string): string {
  return `${team}\u0000${side}\u0000${nodeId}`;
}

/**
 * The cached neighbours a projector write changed: each edge its events state (those the projector
 * writes and those ClickHouse derives from them alike, see `lineageOf`) adds a child to its parent
 * and a parent to its child.
 */
export function neighboursTouchedBy(write: ProjectedWrite): string[] {
  const keys: string[] = [];
  for (const { event } of write.events) {
    const lineage = lineageOf(event);
    if (lineage.parents.length === 0) continue;
    keys.push(neighbourKey(event.team, 'up', lineage.id));
    for (const parent of lineage.parents) keys.push(neighbourKey(event.team, 'down', parent.id));
  }
  return keys;
}

/** A hop's result row: a node's edge count (link id empty) or one of its first edges. */
type FlatRow = [side: Side, nodeId: string, total: string, linkId: string, linkKind: string, nodeKind: string, relation: string, runId: string];

/**
 * Breadth-first walk of the lineage graph, one ClickHouse round trip per hop whatever the frontier's
 * size (parents read by child from lineage_edges_by_child, children by parent from lineage_edges,
 * both sides in one UNION ALL), so a walk of depth d costs at most d queries.
 *
 * Each hop reads, per frontier node, the number of its edges and the first `fanOut` of them in
 * neighbour id order; a node reports how many edges the walk left out, so a caller can show
 * "and 49,990 more" instead of receiving them. Nodes join the walk in a fixed order until the node
 * limit is reached: within a hop upstream before downstream (a node's provenance is a handful of
 * nodes, what was derived from it may be thousands), then by rank among a node's neighbours, then by
 * frontier node id, so every frontier node gets its first neighbours in before any gets its tenth.
 * The walk is truncated when a neighbour was left out, the node limit was reached, or nodes of the
 * last hop were not expanded.
 */
export class LineageRepository {
  /**
   * @param neighbours when given, each node's neighbours are kept under the projector's position,
   *   so walks that meet nodes an earlier walk expanded read only the nodes new to them
   */
  constructor(
    private readonly store: AnalyticsStore,
    private readonly neighbours?: ProjectionCache<CachedNeighbours>,
  ) {}

  async walk(team: string, rootId: string, direction: WalkDirection, depth: number, limits: WalkLimits): Promise<LineageWalk> {
    const nodes = new Map<string, LineageNodeOut>([[rootId, { id: rootId, kind: 'unknown', runId: null, distance: 0, omittedParents: null, omittedChildren: null }]]);
    const edges = new Map<string, LineageEdgeOut>();
    /** Edges of each expanded node, per side: the totals the omitted counts are taken from. */
    const totals = { up: new Map<string, number>(), down: new Map<string, number>() };
    const frontier: Record<Side, string[]> = { up: direction === 'DOWN' ? [] : [rootId], down: direction === 'UP' ? [] : [rootId] };
    let truncated = false;
    const generation = await this.neighbours?.sync();
    for (let hop = 1; hop <= depth && frontier.up.length + frontier.down.length > 0; hop++) {
      const room = limits.nodes - nodes.size;
      if (room <= 0) {
        truncated = true;
        break;
      }
      const width = Math.max(frontier.up.length, frontier.down.length);
      // Past `room` new nodes nothing more joins; the one extra link keeps an edge back to a known node.
      const fanOut = Math.max(1, Math.min(limits.fanOut, room + 1, Math.floor(MAX_HOP_LINKS / width)));
      const rows = await this.hop(team, frontier.up, frontier.down, fanOut, generation);
      const next: Record<Side, string[]> = { up: [], down: [] };
      for (const side of ['up', 'down'] as const) {
        const sideRows = rows.filter((row) => row[0] === side);
        // A frontier node without a row has no neighbours on this side.
        for (const nodeId of frontier[side]) totals[side].set(nodeId, 0);
        for (const [, nodeId, nodeKind, total, links] of sideRows) {
          totals[side].set(nodeId, total);
          // The start node's kind and run are only known from the edges it sits on.
          const node = nodes.get(nodeId)!;
          if (node.kind === 'unknown' && nodeKind !== '') node.kind = nodeKind;
          node.runId ??= links[0]?.[3] ?? null;
        }
        for (let rank = 0; rank < fanOut; rank++) {
          for (const [, nodeId, , , links] of sideRows) {
            const link = links[rank];
            if (link === undefined) continue;
            const [id, kind, relation, runId] = link;
            const [parentId, childId] = side === 'down' ? [nodeId, id] : [id, nodeId];
            edges.set(`${parentId}\u0000${childId}\u0000${relation}`, { parentId, childId, relation });
            const known = nodes.get(id);
            if (known) {
              if (known.kind === 'unknown' && kind !== 'unknown') known.kind = kind;
              known.runId ??= runId;
              continue;
            }
            if (nodes.size >= limits.nodes) continue;
            nodes.set(id, { id, kind, runId, distance: hop, omittedParents: null, omittedChildren: null });
            next[side].push(id);
          }
        }
      }
      frontier.up = next.up;
      frontier.down = next.down;
    }
    // Nodes found on the last hop were not expanded: the graph may go on past the depth limit.
    if (frontier.up.length + frontier.down.length > 0) truncated = true;
    const between = [...edges.values()].filter((e) => nodes.has(e.parentId) && nodes.has(e.childId));
    if (this.countOmitted(nodes, between, totals)) truncated = true;
    return { nodes: [...nodes.values()], edges: between, truncated };
  }

  /** Fills each expanded node's omitted counts; true when any node has an edge left out. */
  private countOmitted(nodes: Map<string, LineageNodeOut>, edges: LineageEdgeOut[], totals: Record<Side, Map<string, number>>): boolean {
    const shown = { up: new Map<string, number>(), down: new Map<string, number>() };
    for (const e of edges) {
      shown.down.set(e.parentId, (shown.down.get(e.parentId) ?? 0) + 1);
      shown.up.set(e.childId, (shown.up.get(e.childId) ?? 0) + 1);
    }
    let omitted = false;
    for (const node of nodes.values()) {
      const parents = totals.up.get(node.id);
      const children = totals.down.get(node.id);
      if (parents !== undefined) node.omittedParents = Math.max(0, parents - (shown.up.get(node.id) ?? 0));
      if (children !== undefined) node.omittedChildren = Math.max(0, children - (shown.down.get(node.id) ?? 0));
      if ((node.omittedParents ?? 0) > 0 || (node.omittedChildren ?? 0) > 0) omitted = true;
    }
    return omitted;
  }

  /**
   * One hop: the frontier nodes' neighbours from the cache where it holds enough of them, the
   * others read in one statement. Links come in neighbour id order per node; nodes are returned in
   * id order so the walk is the same every time.
   */
  private async hop(team: string, up: string[], down: string[], fanOut: number, generation: number | undefined): Promise<HopRow[]> {
    const cache = this.neighbours;
    if (!cache || generation === undefined) return sortRows(await this.read(team, up, down, fanOut));
    const keyOf = (side: Side, nodeId: string) => neighbourKey(team, side, nodeId);
    const found: HopRow[] = [];
    const missing: Record<Side, string[]> = { up: [], down: [] };
    for (const [side, ids] of [['up', up], ['down', down]] as const) {
      for (const nodeId of ids) {
        const cached = cache.lookup(keyOf(side, nodeId));
        if (cached && (cached.fanOut >= fanOut || cached.links.length === cached.total)) {
          found.push([side, nodeId, cached.nodeKind, cached.total, cached.links.slice(0, fanOut)]);
        } else missing[side].push(nodeId);
      }
    }
    if (missing.up.length + missing.down.length === 0) return sortRows(found);
    const read = await this.read(team, missing.up, missing.down, fanOut);
    const readByKey = new Map(read.map((row) => [keyOf(row[0], row[1]), row]));
    for (const side of ['up', 'down'] as const) {
      for (const nodeId of missing[side]) {
        const key = keyOf(side, nodeId);
        // A node without a row has no neighbours on this side: remembered too, so it is not asked again.
        const [, , nodeKind, total, links] = readByKey.get(key) ?? [side, nodeId, '', 0, []];
        cache.remember(key, { nodeKind, total, links, fanOut }, generation, links.length + 1);
      }
    }
    return sortRows([...found, ...read]);
  }

  /**
   * One statement: per node and side, how many edges it has (read from the
   * sort key alone) and its first `fanOut` edges (read in sort-key order). An aggregate collecting
   * the first edges would sort every edge of a checkpoint's 50,000 samples instead.
   */
  private async read(team: string, up: string[], down: string[], fanOut: number): Promise<HopRow[]> {
    const parts: string[] = [];
    const params: Record<string, unknown> = { team, fanOut };
    const sides = [
      { side: 'up', ids: up, table: 'lineage_edges_by_child', node: 'child', other: 'parent' },
      { side: 'down', ids: down, table: 'lineage_edges', node: 'parent', other: 'child' },
    ] as const;
    for (const { side, ids, table, node, other } of sides) {
      if (ids.length === 0) continue;
      // An Array(String) parameter, not a string set read through format(): a hop's frontier is at most
      // a few thousand ids, and the set-building subquery cost ~10 ms more per hop on the 10M store.
      params[side] = ids;
      const where = `FROM ${table} WHERE team = {team:String} AND ${node}_id IN {${side}:Array(String)}`;
      parts.push(
        `SELECT '${side}' AS side, ${node}_id AS node_id, count() AS total, '' AS link_id, '' AS link_kind, '' AS node_kind, '' AS relation, '' AS run_id
         ${where} GROUP BY ${node}_id`,
        `SELECT '${side}', ${node}_id, 0, ${other}_id, toString(${other}_kind), toString(${node}_kind), toString(relation), run_id
         ${where} ORDER BY ${node}_id, ${other}_id LIMIT {fanOut:UInt32} BY ${node}_id`,
      );
    }
    const flat = await resultRows<FlatRow>(await this.store.client.query({
      query: parts.map((part) => `(${part})`).join(' UNION ALL '),
      query_params: params,
      format: 'JSONCompactEachRow',
    }));
    // Per side by node id: no key to build per row. Each subquery returns a node's rows together,
    // so most rows belong to the row before's node and skip the lookup as well.
    const rows: Record<Side, Map<string, HopRow>> = { up: new Map(), down: new Map() };
    let row: HopRow | undefined;
    for (const [side, nodeId, total, linkId, linkKind, nodeKind, relation, runId] of flat) {
      if (row === undefined || row[1] !== nodeId || row[0] !== side) {
        const bySide = rows[side];
        row = bySide.get(nodeId);
        if (!row) bySide.set(nodeId, (row = [side, nodeId, '', 0, []]));
      }
      if (linkId === '') {
        row[3] = Number(total);
        continue;
      }
      if (row[2] === '' && nodeKind !== 'unknown') row[2] = nodeKind;
      row[4].push([linkId, linkKind, relation, runId]);
    }
    // Links arrive in sort-key order per node; the caller orders the nodes.
    return [...rows.up.values(), ...rows.down.values()];
  }
}

/** Nodes in id order, so the walk is the same every time. */
function sortRows(rows: HopRow[]): HopRow[] {
  return rows.sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
}
