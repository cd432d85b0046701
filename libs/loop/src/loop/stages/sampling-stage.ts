import type { ProblemStats } from '../projection';
import { hashCanonical } from '../../canonical-hash';
import { assignReward, REWARD_FUNCTION, REWARD_VERSION, type Reward, type RewardConfig } from '../../reward';
import { deriveSeed } from '../../rng';
import type { PolicySampler, SampledAttempt } from '../../sampler';
import type { Problem, Verification } from '../../tasks/problem';
import { verifyAnswer } from '../../tasks/suite';
import { PRODUCERS, type EventDraft } from '../run-writer';

/** One attempt to make: ids and seeds are functions of (run, iteration, position) alone. */
export interface PlannedAttempt {
  sampleId: string;
  problem: Problem;
  attempt: number;
  seed: number;
}

export type AttemptKind = 'train' | 'eval';

export function planAttempts(
  runId: string, runSeed: number, kind: AttemptKind, iteration: number, problems: readonly Problem[], attempts: number,
): PlannedAttempt[] {
  return problems.flatMap((problem, index) =>
    Array.from({ length: attempts }, (_, attempt) => ({
      sampleId: attemptSampleId(runId, kind, iteration, index, attempt),
      problem,
      attempt,
      seed: attemptSeed(runSeed, kind, iteration, index, attempt),
    })),
  );
}

/** `<run>/s/<iteration>/<problem index>/<attempt>` (held-out: `/e/`): whoever samples, the id is xp's. */
export function attemptSampleId(runId: string, kind: AttemptKind, iteration: number, index: number, attempt: number): string {
  return `${runId}/${kind === 'train' ? 's' : 'e'}/${iteration}/${index}/${attempt}`;
}

export function trainingSampleId(runId: string, iteration: number, index: number, attempt: number): string {
  return attemptSampleId(runId, 'train', iteration, index, attempt);
}

/** The seed of one attempt, handed to an external sampler with the curriculum decision. */
export function attemptSeed(runSeed: number, kind: AttemptKind, iteration: number, index: number, attempt: number): number {
  return deriveSeed(runSeed, kind === 'train' ? 'sample' : 'eval', iteration, index, attempt);
}

export interface JudgedAttempt extends PlannedAttempt, SampledAttempt {
  verification: Verification;
  reward: Reward;
}

/** Samples a batch of planned attempts with the policy, then verifies and rewards them. */
export async function sampleAndJudge(
  sampler: PolicySampler, plans: readonly PlannedAttempt[], stats: ReadonlyMap<string, ProblemStats>, reward: RewardConfig,
): Promise<JudgedAttempt[]> {
  return judgeAttempts(plans, await sampler.sample(plans), stats, reward);
}

/**
 * Verifies and rewards answers. An abstention's reward depends on the problem's failures so far:
 * those in the log (`stats`) plus the earlier attempts of this batch.
 */
export function judgeAttempts(
  plans: readonly PlannedAttempt[], sampled: readonly SampledAttempt[], stats: ReadonlyMap<string, ProblemStats>, reward: RewardConfig,
): JudgedAttempt[] {
  const failures = new Map<string, number>();
  return plans.map((plan, i) => {
    const verification = verifyAnswer(plan.problem, sampled[i].output);
    const id = plan.problem.problemId;
    const before = (stats.get(id)?.failures ?? 0) + (failures.get(id) ?? 0);
    if (verification.verdict === 'incorrect' || verification.verdict === 'error') failures.set(id, (failures.get(id) ?? 0) + 1);
    return { ...plan, ...sampled[i], verification, reward: assignReward(verification.verdict, before, reward) };
  });
}

/** Why attempts are made; evaluation attempts say so in their sample.generated, training ones leave it implied. */
export type AttemptPurpose = 'training' | 'evaluation';

/** sample.generated, sample.verified and reward.assigned for each attempt, in attempt order. */
export function attemptEvents(
  judged: readonly JudgedAttempt[], checkpointId: string, iteration: number, temperature: number, parents: string[],
  purpose: AttemptPurpose = 'training',
): EventDraft[] {
  return judged.flatMap((a): EventDraft[] => [
    {
      type: 'sample.generated',
      producer: PRODUCERS.sampler,
      parents: [...parents, checkpointId],
      payload: {
        sampleId: a.sampleId,
        problemId: a.problem.problemId,
        checkpointId,
        iteration,
        attempt: a.attempt,
        output: a.output,
        tokens: a.tokens,
        logprob: a.logprob,
        seed: a.seed,
        temperature,
        ...(purpose === 'evaluation' ? { purpose } : {}),
      },
    },
    {
      type: 'sample.verified',
      producer: PRODUCERS.verifier,
      parents: [a.sampleId],
      payload: {
        sampleId: a.sampleId,
        problemId: a.problem.problemId,
        verifierId: a.verification.verifierId,
        verifierVersion: a.verification.verifierVersion,
        verdict: a.verification.verdict,
        details: a.verification.details,
      },
    },
    {
      type: 'reward.assigned',
      producer: PRODUCERS.reward,
      parents: [a.sampleId],
      payload: {
        sampleId: a.sampleId,
        problemId: a.problem.problemId,
        value: a.reward.value,
        components: a.reward.components,
        rewardFunction: REWARD_FUNCTION,
        rewardVersion: REWARD_VERSION,
      },
    },
  ]);
}

/** What a sampling decision produced: which answer, from which checkpoint and seed, for which sample. */
export function samplingHash(attempts: ReadonlyArray<{ sampleId: string; checkpointId: string; seed?: number; output: string }>): string {
  // A sample that reports no seed hashes as null: it cannot match a planned attempt, which always has one.
  return hashCanonical(attempts.map((a) => [a.sampleId, a.checkpointId, a.seed ?? null, a.output]));
}

/** What the verifier and reward function made of the answers. */
export function judgementHash(attempts: ReadonlyArray<{ sampleId: string; verdict: string; reward: number | string }>): string {
  return hashCanonical(attempts.map((a) => [a.sampleId, a.verdict, a.reward]));
}
