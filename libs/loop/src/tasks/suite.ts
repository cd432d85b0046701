import { UsageError, type ProblemRegisteredPayload } from '@xp/events';
import { deriveSeed, Rng } from '../rng';
import {
  ARITHMETIC_BENCHMARK, ARITHMETIC_LEVELS, generateArithmetic, parseArithmetic, renderArithmetic, verifyArithmetic,
} from './arithmetic';
import { generateMaze, MAZE_BENCHMARK, MAZE_LEVELS, parseMaze, renderMaze, verifyMaze } from './maze';
import type { Problem, Split, Verification } from './problem';

/**
 * The built-in suite: both families, every level, train and held-out problems, generated from the
 * suite seed alone. The suite seed is separate from the run seed so that runs with different seeds
 * share one benchmark and their leaderboards compare.
 */
export interface SuiteConfig {
  seed: number;
  trainPerLevel: number;
  heldoutPerLevel: number;
}

export const DEFAULT_SUITE: SuiteConfig = { seed: 1, trainPerLevel: 40, heldoutPerLevel: 12 };
export const SUITE_DATASET = 'xp-builtin';
export const SUITE_VERSION = '1';

export function buildSuite(config: SuiteConfig): Problem[] {
  const problems: Problem[] = [];
  const seen = new Set<string>();
  for (const split of ['train', 'heldout'] as const) {
    const perLevel = split === 'train' ? config.trainPerLevel : config.heldoutPerLevel;
    for (const level of ARITHMETIC_LEVELS) {
      const rng = new Rng(deriveSeed(config.seed, ARITHMETIC_BENCHMARK, split, level));
      for (let index = 0; index < perLevel; ) {
        const spec = generateArithmetic(rng, level);
        const statement = renderArithmetic(spec);
        if (seen.has(statement)) continue; // held-out problems must never appear in training
        seen.add(statement);
        problems.push({ family: 'arithmetic', spec, statement, ...identity(ARITHMETIC_BENCHMARK, config.seed, split, level, index++) });
      }
    }
    for (const level of MAZE_LEVELS) {
      const rng = new Rng(deriveSeed(config.seed, MAZE_BENCHMARK, split, level));
      for (let index = 0; index < perLevel; ) {
        const spec = generateMaze(rng, level);
        const statement = renderMaze(spec);
        if (seen.has(statement)) continue;
        seen.add(statement);
        problems.push({ family: 'maze', spec, statement, ...identity(MAZE_BENCHMARK, config.seed, split, level, index++) });
      }
    }
  }
  return problems;
}

function identity(benchmark: string, seed: number, split: Split, level: number, index: number) {
  return { problemId: `${benchmark}/s${seed}/${split}/L${level}/${index}`, benchmark, difficulty: level, split };
}

export function toProblemRegistered(problem: Problem): ProblemRegisteredPayload {
  return {
    problemId: problem.problemId,
    benchmark: problem.benchmark,
    difficulty: problem.difficulty,
    split: problem.split,
    statement: problem.statement,
    source: { kind: 'dataset', dataset: SUITE_DATASET, version: SUITE_VERSION },
  };
}

/** Rebuilds a problem from its event, so replays and forks work from the log alone. */
export function problemFromRegistered(payload: ProblemRegisteredPayload): Problem {
  const base = {
    problemId: payload.problemId,
    benchmark: payload.benchmark,
    difficulty: payload.difficulty,
    split: payload.split,
    statement: payload.statement,
  };
  switch (payload.benchmark) {
    case ARITHMETIC_BENCHMARK:
      return { ...base, family: 'arithmetic', spec: parseArithmetic(payload.statement) };
    case MAZE_BENCHMARK:
      return { ...base, family: 'maze', spec: parseMaze(payload.statement) };
    default:
      throw new UsageError(`no built-in verifier for benchmark '${payload.benchmark}' (known: ${ARITHMETIC_BENCHMARK}, ${MAZE_BENCHMARK})`);
  }
}

export function verifyAnswer(problem: Problem, output: string): Verification {
  return problem.family === 'arithmetic' ? verifyArithmetic(problem.spec, output) : verifyMaze(problem.spec, output);
}

export const BENCHMARKS = [ARITHMETIC_BENCHMARK, MAZE_BENCHMARK] as const;
