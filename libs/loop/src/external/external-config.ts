import { UsageError } from '@xp/events';
import { curriculumParams, type CurriculumConfig } from '../curriculum/strategies';
import { DEFAULT_LOOP_CONFIG } from '../loop/config';
import { replayParams, type ReplayConfig } from '../replay/strategies';

/**
 * A run whose sampler, verifier, trainer and evaluator run outside xp (a vLLM sampler, a Lean
 * verifier, a PyTorch trainer) declares so in run.started's config:
 *
 *   { "stages": { "sampler": "external", "verifier": "external", "trainer": "external", "evaluator": "external" },
 *     "iterations": 10, "attemptsPerProblem": 8,
 *     "curriculum": { "strategy": "success-band", "problemsPerIteration": 64 },
 *     "replay": { "strategy": "prioritized", "batchSize": 64, "batchesPerIteration": 4 },
 *     "triggers": { "curriculum": "evaluation.completed", "replayMinAttempts": 512 } }
 *
 * xp's curriculum and replay services then decide from the facts the external loop reports.
 */
export const STAGES = ['sampler', 'verifier', 'trainer', 'evaluator'] as const;
export type StageName = (typeof STAGES)[number];
export type StageMode = 'external' | 'builtin';

/** What the next iteration's curriculum waits for after the iteration's replay batches. */
export const CURRICULUM_TRIGGERS = ['model.updated', 'evaluation.completed'] as const;
export type CurriculumTrigger = (typeof CURRICULUM_TRIGGERS)[number];

export interface ExternalLoopConfig {
  stages: Record<StageName, StageMode>;
  /** Iterations after which the curriculum service ends the run with run.finished. */
  iterations: number;
  attemptsPerProblem: number;
  curriculum: CurriculumConfig;
  replay: ReplayConfig;
  triggers: {
    curriculum: CurriculumTrigger;
    /** Verified and rewarded attempts of an iteration that let replay decide; absent: all of them. */
    replayMinAttempts?: number;
  };
}

/** Whether a run.started config declares any stage external (and so belongs to the external-loop rules). */
export function declaresExternalStages(config: unknown): boolean {
  const stages = (config as { stages?: unknown } | null | undefined)?.stages;
  return typeof stages === 'object' && stages !== null && Object.values(stages).includes('external');
}

/**
 * Validates and completes an external run's config; strategy knobs left out take the built-in
 * loop's defaults. Every error names the field and what to write instead.
 */
export function resolveExternalConfig(raw: unknown): ExternalLoopConfig {
  const config = asObject(raw, 'config');
  const stages = asObject(config.stages, 'config.stages');
  for (const name of Object.keys(stages)) {
    if (!(STAGES as readonly string[]).includes(name)) throw new UsageError(`config.stages.${name}: unknown stage (known: ${STAGES.join(', ')})`);
  }
  const mode = (name: StageName): StageMode => {
    const value = stages[name] ?? 'builtin';
    if (value !== 'external' && value !== 'builtin') throw new UsageError(`config.stages.${name} must be "external" or "builtin" (got ${JSON.stringify(value)})`);
    return value;
  };
  const resolvedStages = Object.fromEntries(STAGES.map((name) => [name, mode(name)])) as Record<StageName, StageMode>;
  // The built-in sampler, trainer and evaluator share the ONNX policy and the built-in task suites,
  // and the built-in verifier judges inside the built-in sampler: they cannot take over part of a
  // loop whose model and problems live elsewhere.
  for (const name of ['sampler', 'trainer', 'evaluator'] as const) {
    if (resolvedStages[name] !== 'external') {
      throw new UsageError(
        `config.stages.${name} must be "external" when any stage is: the built-in ${name} runs xp's own ONNX policy on its built-in suites, ` +
          'so an external loop declares sampler, trainer and evaluator (and verifier) external',
      );
    }
  }
  if (resolvedStages.verifier !== 'external') {
    throw new UsageError('config.stages.verifier must be "external" with an external sampler: the built-in verifiers judge only the built-in sampler\'s answers');
  }
  const iterations = positiveInt(config.iterations, 'config.iterations');
  const attemptsPerProblem = config.attemptsPerProblem === undefined ? DEFAULT_LOOP_CONFIG.attemptsPerProblem : positiveInt(config.attemptsPerProblem, 'config.attemptsPerProblem');
  const curriculum = { ...DEFAULT_LOOP_CONFIG.curriculum, ...(config.curriculum === undefined ? {} : asObject(config.curriculum, 'config.curriculum')) } as CurriculumConfig;
  const replay = { ...DEFAULT_LOOP_CONFIG.replay, ...(config.replay === undefined ? {} : asObject(config.replay, 'config.replay')) } as ReplayConfig;
  positiveInt(curriculum.problemsPerIteration, 'config.curriculum.problemsPerIteration');
  positiveInt(replay.batchSize, 'config.replay.batchSize');
  positiveInt(replay.batchesPerIteration, 'config.replay.batchesPerIteration');
  prefixed('config.curriculum', () => curriculumParams(curriculum));
  prefixed('config.replay', () => replayParams(replay));
  const triggers = config.triggers === undefined ? {} : asObject(config.triggers, 'config.triggers');
  const curriculumTrigger = (triggers.curriculum ?? 'evaluation.completed') as CurriculumTrigger;
  if (!CURRICULUM_TRIGGERS.includes(curriculumTrigger)) {
    throw new UsageError(`config.triggers.curriculum must be one of ${CURRICULUM_TRIGGERS.join(', ')} (got ${JSON.stringify(triggers.curriculum)})`);
  }
  const replayMinAttempts = triggers.replayMinAttempts === undefined ? undefined : positiveInt(triggers.replayMinAttempts, 'config.triggers.replayMinAttempts');
  return {
    stages: resolvedStages,
    iterations,
    attemptsPerProblem,
    curriculum,
    replay,
    triggers: { curriculum: curriculumTrigger, ...(replayMinAttempts === undefined ? {} : { replayMinAttempts }) },
  };
}

function asObject(value: unknown, name: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`${name} must be an object (got ${JSON.stringify(value)})`);
  return value as Record<string, unknown>;
}

function positiveInt(value: unknown, name: string): number {
  if (!Number.isInteger(value) || (value as number) < 1) throw new UsageError(`${name} must be a positive integer (got ${JSON.stringify(value)})`);
  return value as number;
}

function prefixed<T>(name: string, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof UsageError) throw new UsageError(`${name}: ${error.message}`);
    throw error;
  }
}

/** Refuses, at ingest, a run.started whose external stages are declared wrongly: the reason names the field. */
export function externalConfigIssue(event: { type: string; payload: unknown }): { path: string; message: string } | undefined {
  if (event.type !== 'run.started') return undefined;
  const config = (event.payload as { config?: unknown }).config;
  if (!declaresExternalStages(config)) return undefined;
  try {
    resolveExternalConfig(config);
    return undefined;
  } catch (error) {
    return { path: '/payload/config', message: (error as Error).message };
  }
}
