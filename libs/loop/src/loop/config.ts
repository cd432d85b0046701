import { UsageError } from '@xp/events';
import { curriculumParams, type CurriculumConfig } from '../curriculum/strategies';
import { DEFAULT_HIDDEN } from '../policy/policy';
import { replayParams, type ReplayConfig } from '../replay/strategies';
import { DEFAULT_REWARD, type RewardConfig } from '../reward';
import { DEFAULT_SUITE, type SuiteConfig } from '../tasks/suite';

/**
 * Everything a run's decisions depend on besides the log and the seed. It is recorded whole in
 * run.started, so a replay or a fork reads it from the log rather than from the caller.
 */
export interface LoopConfig {
  suite: SuiteConfig;
  curriculum: CurriculumConfig;
  replay: ReplayConfig;
  /** Attempts per chosen training problem per iteration. */
  attemptsPerProblem: number;
  temperature: number;
  evaluation: { samplesPerProblem: number; k: number };
  trainer: { learningRate: number; passes: number };
  /** sharedInputs: both families' features drive the same first-layer weights (absent: each its own). */
  policy: { hidden: number; sharedInputs?: boolean };
  reward: RewardConfig;
}

export const DEFAULT_LOOP_CONFIG: LoopConfig = {
  suite: DEFAULT_SUITE,
  curriculum: { strategy: 'uniform', problemsPerIteration: 64 },
  replay: { strategy: 'uniform', batchSize: 64, batchesPerIteration: 12 },
  attemptsPerProblem: 8,
  temperature: 1,
  evaluation: { samplesPerProblem: 8, k: 4 },
  trainer: { learningRate: 0.01, passes: 1 },
  policy: { hidden: DEFAULT_HIDDEN },
  reward: DEFAULT_REWARD,
};

export interface LoopConfigOverrides {
  suite?: Partial<SuiteConfig>;
  curriculum?: Partial<CurriculumConfig>;
  replay?: Partial<ReplayConfig>;
  attemptsPerProblem?: number;
  temperature?: number;
  evaluation?: Partial<LoopConfig['evaluation']>;
  trainer?: Partial<LoopConfig['trainer']>;
  policy?: Partial<LoopConfig['policy']>;
  reward?: Partial<RewardConfig>;
}

export function resolveLoopConfig(overrides: LoopConfigOverrides = {}, base: LoopConfig = DEFAULT_LOOP_CONFIG): LoopConfig {
  const config: LoopConfig = {
    suite: { ...base.suite, ...overrides.suite },
    curriculum: { ...base.curriculum, ...overrides.curriculum },
    replay: { ...base.replay, ...overrides.replay },
    attemptsPerProblem: overrides.attemptsPerProblem ?? base.attemptsPerProblem,
    temperature: overrides.temperature ?? base.temperature,
    evaluation: { ...base.evaluation, ...overrides.evaluation },
    trainer: { ...base.trainer, ...overrides.trainer },
    policy: { ...base.policy, ...overrides.policy },
    reward: { ...base.reward, ...overrides.reward },
  };
  // A strategy switch must not inherit the knobs of the strategy it replaces.
  if (overrides.curriculum?.strategy && overrides.curriculum.strategy !== base.curriculum.strategy) {
    if (!overrides.curriculum.params) delete config.curriculum.params;
    if (!overrides.curriculum.tasks) delete config.curriculum.tasks;
  }
  if (overrides.replay?.strategy && overrides.replay.strategy !== base.replay.strategy && !overrides.replay.params) {
    delete config.replay.params;
  }
  validate(config);
  return config;
}

function validate(config: LoopConfig): void {
  const positiveInts: Array<[string, number]> = [
    ['suite.trainPerLevel', config.suite.trainPerLevel],
    ['curriculum.problemsPerIteration', config.curriculum.problemsPerIteration],
    ['replay.batchSize', config.replay.batchSize],
    ['replay.batchesPerIteration', config.replay.batchesPerIteration],
    ['attemptsPerProblem', config.attemptsPerProblem],
    ['evaluation.samplesPerProblem', config.evaluation.samplesPerProblem],
    ['evaluation.k', config.evaluation.k],
    ['trainer.passes', config.trainer.passes],
    ['policy.hidden', config.policy.hidden],
  ];
  for (const [name, value] of positiveInts) {
    if (!Number.isInteger(value) || value < 1) throw new UsageError(`${name} must be a positive integer (got ${value})`);
  }
  if (!Number.isInteger(config.suite.heldoutPerLevel) || config.suite.heldoutPerLevel < 1) {
    throw new UsageError(`suite.heldoutPerLevel must be a positive integer (got ${config.suite.heldoutPerLevel})`);
  }
  if (config.evaluation.k > config.evaluation.samplesPerProblem) {
    throw new UsageError(`evaluation.k (${config.evaluation.k}) cannot exceed evaluation.samplesPerProblem (${config.evaluation.samplesPerProblem})`);
  }
  if (config.policy.sharedInputs !== undefined && typeof config.policy.sharedInputs !== 'boolean') {
    throw new UsageError(`policy.sharedInputs must be true or false (got ${JSON.stringify(config.policy.sharedInputs)})`);
  }
  if (!(config.temperature > 0)) throw new UsageError(`temperature must be positive (got ${config.temperature})`);
  if (!(config.trainer.learningRate > 0)) throw new UsageError(`trainer.learningRate must be positive (got ${config.trainer.learningRate})`);
  const tasks = config.curriculum.tasks;
  if (tasks !== undefined && (!Array.isArray(tasks) || tasks.length === 0 || tasks.some((t) => typeof t !== 'string' || t === '') || new Set(tasks).size !== tasks.length)) {
    throw new UsageError(`curriculum.tasks must be a non-empty list of distinct benchmark names (got ${JSON.stringify(tasks)})`);
  }
  curriculumParams(config.curriculum);
  replayParams(config.replay);
}
