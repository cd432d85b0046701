import type { AnalyticsStore } from '@xp/analytics';

export type WalkDirection = 'UP' | 'DOWN' | 'BOTH';

export interface LineageNodeOut {
  id: string;
  kind: string;
  runId: string | null;
  distance: number;
  /** Parents this node has beyond those the walk links to it; null when its parents were not looked up. */
  omittedParents: number | null;
  /** Children this node has beyond those the walk links to it; null when its children were not looked up. */
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
type Link = [id: string, kind: string, relation: string, runId: string];
/**
 * One frontier node's neighbours on one side: the node's kind as its edges state it ('' when none
 * does), how many distinct neighbours it has, and the first ones in id order.
 */
type HopRow = [side: Side, nodeId: string, nodeKind: string, total: string, links: Link[]];

/**
 * Breadth-first walk of the lineage graph, one ClickHouse round trip per hop whatever the frontier's
 * size (parents read by child from lineage_edges_by_child, children by parent from lineage_edges,
 * both sides in one UNION ALL), so a walk of depth d costs at most d queries.
 *
 * Each hop reads, per frontier node, the number of its distinct neighbours and the first `fanOut` of
 * them in id order; a node reports how many neighbours the walk left out, so a caller can show
 * "and 49,990 more" instead of receiving them. Nodes join the walk in a fixed order until the node
 * limit is reached: within a hop upstream before downstream (a node's provenance is a handful of
 * nodes, what was derived from it may be thousands), then by rank among a node's neighbours, then by
 * frontier node id, so every frontier node gets its first neighbours in before any gets its tenth.
 * The walk is truncated when a neighbour was left out, the node limit was reached, or nodes of the
 * last hop were not expanded.
 */
export class LineageRepository {
  constructor(private readonly store: AnalyticsStore) {}

  async walk(team: string, rootId: string, direction: WalkDirection, depth: number, limits: WalkLimits): Promise<LineageWalk> {
    const nodes = new Map<string, LineageNodeOut>([[rootId, { id: rootId, kind: 'unknown', runId: null, distance: 0, omittedParents: null, omittedChildren: null }]]);
    const edges = new Map<string, LineageEdgeOut>();
    /** Distinct neighbours of each expanded node, per side: the totals the omitted counts are taken from. */
    const totals = { up: new Map<string, number>(), down: new Map<string, number>() };
    const frontier: Record<Side, string[]> = { up: direction === 'DOWN' ? [] : [rootId], down: direction === 'UP' ? [] : [rootId] };
    let truncated = false;
    for (let hop = 1; hop <= depth && frontier.up.length + frontier.down.length > 0; hop++) {
      const room = limits.nodes - nodes.size;
      if (room <= 0) {
        truncated = true;
        break;
      }
      const width = Math.max(frontier.up.length, frontier.down.length);
      // Past `room` new nodes nothing more joins; the one extra link keeps an edge back to a known node.
      const fanOut = Math.max(1, Math.min(limits.fanOut, room + 1, Math.floor(MAX_HOP_LINKS / width)));
      const rows = await this.hop(team, frontier.up, frontier.down, fanOut);
      const next: Record<Side, string[]> = { up: [], down: [] };
      for (const side of ['up', 'down'] as const) {
        const sideRows = rows.filter((row) => row[0] === side);
        // A frontier node without a row has no neighbours on this side.
        for (const nodeId of frontier[side]) totals[side].set(nodeId, 0);
        for (const [, nodeId, nodeKind, total, links] of sideRows) {
          totals[side].set(nodeId, Number(total));
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

  /** Fills each expanded node's omitted counts; true when any node has a neighbour left out. */
  private countOmitted(nodes: Map<string, LineageNodeOut>, edges: LineageEdgeOut[], totals: Record<Side, Map<string, number>>): boolean {
    const linked = { up: new Map<string, Set<string>>(), down: new Map<string, Set<string>>() };
    const link = (side: Side, from: string, to: string) => {
      if (!totals[side].has(from)) return;
      const set = linked[side].get(from) ?? new Set<string>();
      set.add(to);
      linked[side].set(from, set);
    };
    for (const e of edges) {
      link('down', e.parentId, e.childId);
      link('up', e.childId, e.parentId);
    }
    let omitted = false;
    for (const node of nodes.values()) {
      const parents = totals.up.get(node.id);
      const children = totals.down.get(node.id);
      if (parents !== undefined) node.omittedParents = Math.max(0, parents - (linked.up.get(node.id)?.size ?? 0));
      if (children !== undefined) node.omittedChildren = Math.max(0, children - (linked.down.get(node.id)?.size ?? 0));
      if ((node.omittedParents ?? 0) > 0 || (node.omittedChildren ?? 0) > 0) omitted = true;
    }
    return omitted;
  }

  private async hop(team: string, up: string[], down: string[], fanOut: number): Promise<HopRow[]> {
    const parts: string[] = [];
    // The aggregate's parameter must be a literal; fanOut is an integer computed above, never caller text.
    const first = (id: string, kind: string) => `groupArraySorted(${Math.trunc(fanOut)})((${id}, toString(${kind}), relation, run_id))`;
    const own = (kind: string) => `anyIf(toString(${kind}), ${kind} != 'unknown')`;
    if (up.length > 0) {
      parts.push(`SELECT 'up' AS side, child_id AS node_id, ${own('child_kind')} AS node_kind, uniqExact(parent_id) AS total,
                         ${first('parent_id', 'parent_kind')} AS links
                  FROM lineage_edges_by_child WHERE team = {team:String} AND child_id IN {up:Array(String)} GROUP BY child_id`);
    }
    if (down.length > 0) {
      parts.push(`SELECT 'down' AS side, parent_id AS node_id, ${own('parent_kind')} AS node_kind, uniqExact(child_id) AS total,
                         ${first('child_id', 'child_kind')} AS links
                  FROM lineage_edges WHERE team = {team:String} AND parent_id IN {down:Array(String)} GROUP BY parent_id`);
    }
    const result = await this.store.client.query({
      query: `${parts.join(' UNION ALL ')} ORDER BY side DESC, node_id`,
      query_params: { team, up, down },
      format: 'JSONCompactEachRow',
    });
    // One row per line, each a JSON array on one line: parsed as one array, thousands of rows cost
    // one JSON.parse instead of one per row.
    const text = (await result.text()).trimEnd();
    return text === '' ? [] : (JSON.parse(`[${text.replaceAll('\n', ',')}]`) as HopRow[]);
  }
}
