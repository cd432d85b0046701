import { UsageError } from '@xp/events';
import type { Rng } from '../rng';
import { ABSTAIN_OUTPUT, type MazeSpec, type Verification, type VerifierInfo } from './problem';

/**
 * Grid mazes: the answer is a move string over U D L R that walks from S to G without touching a
 * wall and is as short as possible. Higher levels are larger, denser and need longer detours.
 */
export const MAZE_BENCHMARK = 'grid-maze';
export const MAZE_VERIFIER: VerifierInfo = { id: 'xp.verifier.grid-maze', version: '1.0.0' };
export const MAZE_LEVELS = [1, 2, 3] as const;

export const MOVES = ['U', 'D', 'L', 'R'] as const;
export type Move = (typeof MOVES)[number];
const DELTAS: Record<Move, [number, number]> = { U: [-1, 0], D: [1, 0], L: [0, -1], R: [0, 1] };

const LEVEL_SHAPES: Record<number, { size: number; wallDensity: number; minDistance: number }> = {
  1: { size: 5, wallDensity: 0.15, minDistance: 3 },
  2: { size: 7, wallDensity: 0.25, minDistance: 5 },
  3: { size: 9, wallDensity: 0.3, minDistance: 7 },
};

/** The cell a move leads to, or -1 when it leaves the grid. */
export function neighbour(spec: Pick<MazeSpec, 'rows' | 'cols'>, cell: number, move: Move): number {
  const [dr, dc] = DELTAS[move];
  const row = Math.floor(cell / spec.cols) + dr;
  const col = (cell % spec.cols) + dc;
  if (row < 0 || col < 0 || row >= spec.rows || col >= spec.cols) return -1;
  return row * spec.cols + col;
}

/** Breadth-first distances from `from` to every cell (-1 where unreachable). */
export function distancesFrom(spec: MazeSpec, from: number): Int32Array {
  const distance = new Int32Array(spec.rows * spec.cols).fill(-1);
  const queue = [from];
  distance[from] = 0;
  for (let head = 0; head < queue.length; head++) {
    const cell = queue[head];
    for (const move of MOVES) {
      const next = neighbour(spec, cell, move);
      if (next >= 0 && !spec.walls[next] && distance[next] < 0) {
        distance[next] = distance[cell] + 1;
        queue.push(next);
      }
    }
  }
  return distance;
}

export function generateMaze(rng: Rng, level: number): MazeSpec {
  const shape = LEVEL_SHAPES[level];
  if (!shape) throw new UsageError(`grid-maze has no level ${level} (levels: ${MAZE_LEVELS.join(', ')})`);
  const rows = shape.size;
  const cols = shape.size;
  for (;;) {
    const walls = Array.from({ length: rows * cols }, () => rng.next() < shape.wallDensity);
    const start = rng.int(rows * cols);
    const goal = rng.int(rows * cols);
    if (walls[start] || walls[goal]) continue;
    const spec = { rows, cols, walls, start, goal };
    if (distancesFrom(spec, start)[goal] >= shape.minDistance) return spec;
  }
}

export function renderMaze(spec: MazeSpec): string {
  const lines = [`maze ${spec.rows}x${spec.cols}: walk from S to G by a shortest path of moves U D L R; # is a wall`];
  for (let row = 0; row < spec.rows; row++) {
    let line = '';
    for (let col = 0; col < spec.cols; col++) {
      const cell = row * spec.cols + col;
      line += cell === spec.start ? 'S' : cell === spec.goal ? 'G' : spec.walls[cell] ? '#' : '.';
    }
    lines.push(line);
  }
  return lines.join('\n');
}

export function parseMaze(statement: string): MazeSpec {
  const [header, ...grid] = statement.split('\n');
  const match = /^maze (\d+)x(\d+):/.exec(header);
  if (!match || grid.length !== Number(match[1]) || grid.some((line) => line.length !== Number(match[2]))) {
    throw new UsageError(`not a grid-maze statement: '${header.slice(0, 80)}'`);
  }
  const cells = grid.join('');
  return {
    rows: Number(match[1]),
    cols: Number(match[2]),
    walls: [...cells].map((ch) => ch === '#'),
    start: cells.indexOf('S'),
    goal: cells.indexOf('G'),
  };
}

export function verifyMaze(spec: MazeSpec, output: string): Verification {
  const base = { verifierId: MAZE_VERIFIER.id, verifierVersion: MAZE_VERIFIER.version };
  const moves = output.trim();
  if (moves === ABSTAIN_OUTPUT) return { ...base, verdict: 'abstain', details: {} };
  if (!/^[UDLR]*$/.test(moves)) return { ...base, verdict: 'error', details: { reason: 'malformed', message: 'moves must be letters U D L R' } };
  const optimal = distancesFrom(spec, spec.start)[spec.goal];
  let cell = spec.start;
  for (let step = 0; step < moves.length; step++) {
    const next = neighbour(spec, cell, moves[step] as Move);
    if (next < 0 || spec.walls[next]) {
      const reason = next < 0 ? 'leaves-grid' : 'hits-wall';
      return { ...base, verdict: 'incorrect', details: { reason, step, optimal } };
    }
    cell = next;
  }
  if (cell !== spec.goal) return { ...base, verdict: 'incorrect', details: { reason: 'misses-goal', length: moves.length, optimal } };
  if (moves.length > optimal) return { ...base, verdict: 'incorrect', details: { reason: 'not-shortest', length: moves.length, optimal } };
  return { ...base, verdict: 'correct', details: { length: moves.length, optimal } };
}
