import type { CurriculumDecidedPayload } from '@xp/events';
import { hashCanonical } from '../../canonical-hash';
import { curriculumParams, decideCurriculum } from '../../curriculum/strategies';
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
  const problemIds = decideCurriculum({ problems: trainingProblems(state), stats: state.stats }, seed, config);
  return {
    decisionId: curriculumDecisionId(runId, iteration),
    iteration,
    strategy: config.strategy,
    params: { ...curriculumParams(config), problemsPerIteration: config.problemsPerIteration },
    problemIds,
    watermark,
    seed,
    outputHash: hashCanonical(problemIds),
  };
}
