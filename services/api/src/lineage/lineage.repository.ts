import type { AnalyticsStore } from '@xp/analytics';
import { queryRows } from '../analytics/query-rows';

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

/**
 * Breadth-first walk of the lineage graph: exactly one ClickHouse round trip per hop, whatever the
 * frontier's size (downward edges read by parent, upward by child, both in one UNION ALL), so a walk
 * of depth d costs at most d queries.
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
      const rows = await this.hop(team, down, up);
      const nextDown: string[] = [];
      const nextUp: string[] = [];
      for (const row of rows) {
        this.learnKinds(nodes, row);
        edges.set(`${row.parent_id}\u0000${row.child_id}\u0000${row.relation}`, { parentId: row.parent_id, childId: row.child_id, relation: row.relation });
        const [id, kind] = row.dir === 'down' ? [row.child_id, row.child_kind] : [row.parent_id, row.parent_kind];
        if (nodes.has(id)) continue;
        if (nodes.size >= MAX_LINEAGE_NODES) {
          truncated = true;
          continue;
        }
        nodes.set(id, { id, kind, runId: row.run_id, distance: hop });
        (row.dir === 'down' ? nextDown : nextUp).push(id);
      }
      down = nextDown;
      up = nextUp;
    }
    // Nodes found on the last hop were not expanded: the graph may go on past the depth limit.
    if (down.length > 0 || up.length > 0) truncated = true;
    return { nodes: [...nodes.values()], edges: [...edges.values()], truncated };
  }

  private hop(team: string, down: string[], up: string[]): Promise<Array<EdgeRow & { dir: 'down' | 'up' }>> {
    const parts: string[] = [];
    if (down.length > 0) {
      parts.push(`SELECT 'down' AS dir, run_id, parent_id, parent_kind, child_id, child_kind, relation
                  FROM lineage_edges WHERE team = {team:String} AND parent_id IN {down:Array(String)}`);
    }
    if (up.length > 0) {
      parts.push(`SELECT 'up' AS dir, run_id, parent_id, parent_kind, child_id, child_kind, relation
                  FROM lineage_edges_by_child WHERE team = {team:String} AND child_id IN {up:Array(String)}`);
    }
    return queryRows(this.store, `${parts.join(' UNION ALL ')} LIMIT ${MAX_LINEAGE_NODES * 4}`, { team, down, up });
  }

  private learnKinds(nodes: Map<string, LineageNodeOut>, row: EdgeRow): void {
    for (const [id, kind] of [[row.parent_id, row.parent_kind], [row.child_id, row.child_kind]] as const) {
      const node = nodes.get(id);
      if (node && node.kind === 'unknown' && kind !== 'unknown') {
        node.kind = kind;
        node.runId ??= row.run_id;
      }
    }
  }
}
