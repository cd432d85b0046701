import { requireConfig } from '../loop/require-config';
import { attemptEvents, planAttempts, sampleAndJudge } from '../loop/stages/sampling-stage';
import { currentCheckpoint } from '../loop/stages/training-stage';
import type { FindTurn } from './turn';

/**
 * The sampler's turn comes with a curriculum decision whose attempts are not in the log yet. It
 * samples the chosen problems with the latest checkpoint and appends, per attempt, the sample, the
 * verifier's verdict and the reward, reading the state just past the decision, as the orchestrator does.
 */
export const findSamplerTurn: FindTurn = (run, env) => {
  const last = run.latest;
  const decision = last?.curriculum;
  if (!last || !decision || last.train.generated.length > 0 || run.trainingAttempts(last) === 0) return undefined;
  const prefix = `${run.runId}/s/${last.iteration}/`;
  return {
    kind: 'sampling',
    iteration: last.iteration,
    recorded: (event) => event.type === 'sample.generated' && event.payload.sampleId.startsWith(prefix),
    decide: async () => {
      const state = run.stateAt(decision.offset + 1);
      const config = requireConfig(state);
      const checkpoint = currentCheckpoint(state);
      const problems = decision.payload.problemIds.map((id) => state.problems.get(id)!);
      const plans = planAttempts(run.runId, state.runSeed, 'train', last.iteration, problems, config.attemptsPerProblem);
      const sampler = await env.samplers.get(checkpoint, config.temperature);
      const judged = await sampleAndJudge(sampler, plans, state.stats, config.reward);
      return attemptEvents(judged, checkpoint.checkpointId, last.iteration, config.temperature, [decision.payload.decisionId]);
    },
  };
};
