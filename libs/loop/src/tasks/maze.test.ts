import { Rng } from '../rng';
import { distancesFrom, generateMaze, parseMaze, renderMaze, verifyMaze } from './maze';
import { ABSTAIN_OUTPUT } from './problem';

// S . #
// . # .
// . . G
const spec = parseMaze('maze 3x3: test\nS.#\n.#.\n..G');

describe('maze verifier', () => {
  it('accepts shortest paths only', () => {
    expect(verifyMaze(spec, 'DDRR')).toMatchObject({ verdict: 'correct', details: { length: 4, optimal: 4 } });
    expect(verifyMaze(spec, 'DUDDRR')).toMatchObject({ verdict: 'incorrect', details: { reason: 'not-shortest' } });
  });

  it('explains why a path fails', () => {
    expect(verifyMaze(spec, 'RR')).toMatchObject({ verdict: 'incorrect', details: { reason: 'hits-wall', step: 1 } });
    expect(verifyMaze(spec, 'U')).toMatchObject({ verdict: 'incorrect', details: { reason: 'leaves-grid', step: 0 } });
    expect(verifyMaze(spec, 'DD')).toMatchObject({ verdict: 'incorrect', details: { reason: 'misses-goal' } });
    expect(verifyMaze(spec, 'DDXR')).toMatchObject({ verdict: 'error', details: { reason: 'malformed' } });
    expect(verifyMaze(spec, ABSTAIN_OUTPUT).verdict).toBe('abstain');
  });
});

describe('maze generation', () => {
  it('is deterministic, reachable, and round-trips through its statement', () => {
    for (const level of [1, 2, 3]) {
      const maze = generateMaze(new Rng(level), level);
      expect(generateMaze(new Rng(level), level)).toEqual(maze);
      expect(distancesFrom(maze, maze.start)[maze.goal]).toBeGreaterThan(0);
      expect(parseMaze(renderMaze(maze))).toEqual(maze);
    }
  });
});
