import type { CurriculumDecidedPayload } from '@xp/events';
import { hashCanonical } from '../../canonical-hash';
import { curriculumParams, currentTask, decideCurriculum, type CurriculumInput } from '../../curriculum/strategies';
import { deriveSeed } from '../../rng';
import { strategyConfig } from '../require-config';
import { trainingProblems, type LoopState } from '../projection';

export function curriculumDecisionId(runId: string, iteration: number): string {
  return `${runId}/c/${iteration}`;
}

/** The curriculum decision of one iteration: which training problems to sample, from the state at the watermark. */
export function decideCurriculumStage(state: LoopState, runId: string, iteration: number, watermark: number): CurriculumDecidedPayload {
  const config = strategyConfig(state).curriculum;
  const seed = deriveSeed(state.runSeed, 'curriculum', iteration);
  const input: CurriculumInput = {
    problems: trainingProblems(state),
    stats: state.stats,
    decidedTasks: state.decidedTasks,
    latestIteration: state.iterationStats.get(state.lastIteration),
  };
  const problemIds = decideCurriculum(input, seed, config);
  return {
    decisionId: curriculumDecisionId(runId, iteration),
    iteration,
    strategy: config.strategy,
    params: { ...curriculumParams(config), problemsPerIteration: config.problemsPerIteration },
    ...(config.strategy === 'sequential' ? { task: currentTask(input, config) } : {}),
    problemIds,
    watermark,
    seed,
    outputHash: hashCanonical(problemIds),
  };
}
