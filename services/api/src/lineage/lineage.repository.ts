import type { AnalyticsStore } from '@xp/analytics';

export type WalkDirection = 'UP' | 'DOWN' | 'BOTH';

export interface EdgeRow {
  run_id: string;
  parent_id: string;
  parent_kind: string;
  child_id: string;
  child_kind: string;
  relation: string;
}

export interface LineageNodeOut {
  id: string;
  kind: string;
  runId: string | null;
  distance: number;
}

export interface LineageWalk {
  nodes: LineageNodeOut[];
  edges: Array<{ parentId: string; childId: string; relation: string }>;
  truncated: boolean;
}

/** The most nodes one walk returns; past it the walk stops and says it was truncated. */
export const MAX_LINEAGE_NODES = 5000;

/** Most edge rows one hop reads per direction. */
const MAX_HOP_ROWS = MAX_LINEAGE_NODES * 4;

type HopRow = [dir: 'up' | 'down', runId: string, parentId: string, parentKind: string, childId: string, childKind: string, relation: string];

/**
 * Breadth-first walk of the lineage graph: exactly one ClickHouse round trip per hop, whatever the
 * frontier's size (downward edges read by parent, upward by child, both in one UNION ALL), so a walk
 * of depth d costs at most d queries.
 *
 * Under the node cap the result is deterministic: within a hop, upstream nodes come before
 * downstream ones, each side in id order (the tables' sort keys, so each side reads in order and
 * stops at its row limit instead of reading all of a checkpoint's tens of thousands of samples). A side that fills its row limit, a hop that would pass the cap and
 * a last hop with nodes left to expand all mark the walk truncated; once the cap is reached no
 * further hop is read. Edges are those found between returned nodes.
 */
export class LineageRepository {
  constructor(private readonly store: AnalyticsStore) {}

  async walk(team: string, rootId: string, direction: WalkDirection, depth: number): Promise<LineageWalk> {
    const nodes = new Map<string, LineageNodeOut>([[rootId, { id: rootId, kind: 'unknown', runId: null, distance: 0 }]]);
    const edges = new Map<string, { parentId: string; childId: string; relation: string }>();
    let down = direction === 'UP' ? [] : [rootId];
    let up = direction === 'DOWN' ? [] : [rootId];
    let truncated = false;
    for (let hop = 1; hop <= depth && (down.length > 0 || up.length > 0); hop++) {
      const room = MAX_LINEAGE_NODES - nodes.size;
      if (room <= 0) {
        truncated = true;
        break;
      }
      // Enough rows for every node that still fits, plus edges back to nodes already found.
      const limit = Math.min(MAX_HOP_ROWS, room + 2 * Math.max(down.length, up.length));
      const rows = await this.hop(team, down, up, limit);
      const nextDown: string[] = [];
      const nextUp: string[] = [];
      let upRows = 0;
      for (const row of rows) if (row[0] === 'up') upRows++;
      if (upRows >= limit || rows.length - upRows >= limit) truncated = true;
      // Upstream first: a node's provenance is a handful of nodes; what was derived from it may be thousands.
      for (const side of ['up', 'down'] as const) {
        for (const row of rows) {
          const [dir, runId, parentId, parentKind, childId, childKind, relation] = row;
          if (dir !== side) continue;
          this.learnKind(nodes, parentId, parentKind, runId);
          this.learnKind(nodes, childId, childKind, runId);
          edges.set(`${parentId}\u0000${childId}\u0000${relation}`, { parentId, childId, relation });
          const [id, kind] = dir === 'down' ? [childId, childKind] : [parentId, parentKind];
          if (nodes.has(id)) continue;
          if (nodes.size >= MAX_LINEAGE_NODES) {
            truncated = true;
            continue;
          }
          nodes.set(id, { id, kind, runId, distance: hop });
          (dir === 'down' ? nextDown : nextUp).push(id);
        }
      }
      down = nextDown;
      up = nextUp;
    }
    // Nodes found on the last hop were not expanded: the graph may go on past the depth limit.
    if (down.length > 0 || up.length > 0) truncated = true;
    const between = [...edges.values()].filter((e) => nodes.has(e.parentId) && nodes.has(e.childId));
    return { nodes: [...nodes.values()], edges: between, truncated };
  }

  private async hop(team: string, down: string[], up: string[], limit: number): Promise<HopRow[]> {
    const parts: string[] = [];
    if (up.length > 0) {
      parts.push(`(SELECT 'up' AS dir, run_id, parent_id, parent_kind, child_id, child_kind, relation
                  FROM lineage_edges_by_child WHERE team = {team:String} AND child_id IN {up:Array(String)}
                  ORDER BY child_id, parent_id LIMIT {limit:UInt32})`);
    }
    if (down.length > 0) {
      parts.push(`(SELECT 'down' AS dir, run_id, parent_id, parent_kind, child_id, child_kind, relation
                  FROM lineage_edges WHERE team = {team:String} AND parent_id IN {down:Array(String)}
                  ORDER BY parent_id, child_id LIMIT {limit:UInt32})`);
    }
    const result = await this.store.client.query({
      query: parts.join(' UNION ALL '),
      query_params: { team, down, up, limit },
      format: 'JSONCompactEachRow',
    });
    // One row per line, each a JSON array on one line: parsed as one array, thousands of rows cost
    // one JSON.parse instead of one per row.
    const text = (await result.text()).trimEnd();
    return text === '' ? [] : (JSON.parse(`[${text.replaceAll('\n', ',')}]`) as HopRow[]);
  }

  private learnKind(nodes: Map<string, LineageNodeOut>, id: string, kind: string, runId: string): void {
    const node = nodes.get(id);
    if (node && node.kind === 'unknown' && kind !== 'unknown') {
      node.kind = kind;
      node.runId ??= runId;
    }
  }
}
