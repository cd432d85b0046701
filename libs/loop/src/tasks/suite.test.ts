import { EventFactory, SchemaRegistry } from '@xp/events';
import { buildSuite, problemFromRegistered, toProblemRegistered, verifyAnswer } from './suite';

const config = { seed: 3, trainPerLevel: 5, heldoutPerLevel: 3 };

describe('built-in suite', () => {
  const suite = buildSuite(config);

  it('has both benchmarks, every level, both splits, and unique ids and statements', () => {
    expect(suite).toHaveLength(2 * 3 * (5 + 3));
    expect(new Set(suite.map((p) => p.problemId)).size).toBe(suite.length);
    expect(new Set(suite.map((p) => p.statement)).size).toBe(suite.length);
    expect(new Set(suite.map((p) => `${p.benchmark}/${p.difficulty}/${p.split}`)).size).toBe(12);
    expect(buildSuite(config)).toEqual(suite);
  });

  it('registers every problem as a valid event and rebuilds it from the event', () => {
    const registry = new SchemaRegistry();
    const factory = new EventFactory({ team: 'test', experimentId: 'exp', runId: 'run-1', producer: 'test' });
    for (const problem of suite) {
      const payload = toProblemRegistered(problem);
      const result = registry.validate(factory.create('problem.registered', payload));
      expect(result.ok ? [] : result.issues).toEqual([]);
      expect(problemFromRegistered(payload)).toEqual(problem);
    }
  });

  it('verifies through the family of the problem', () => {
    const maze = suite.find((p) => p.family === 'maze')!;
    expect(verifyAnswer(maze, '??').verdict).toBe('error');
    const arithmetic = suite.find((p) => p.family === 'arithmetic')!;
    expect(verifyAnswer(arithmetic, 'U').verdict).toBe('error');
  });
});
