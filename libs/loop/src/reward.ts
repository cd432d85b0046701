import type { Verdict } from './tasks/problem';

/**
 * Reward function, versioned because rewards are recorded in the log and a change must be visible.
 * Correct answers earn 1. An abstention earns a small reward only once the problem has defeated
 * enough earlier attempts (Auto-CEI's idea: saying "I don't know" is acceptable after real effort,
 * not as a shortcut). Everything else earns 0.
 */
export const REWARD_FUNCTION = 'xp.reward.correct-or-abstain';
export const REWARD_VERSION = '1';

export interface RewardConfig {
  abstainReward: number;
  /** Failed attempts on the problem, before this one, needed for an abstention to earn anything. */
  abstainAfterFailures: number;
}

export const DEFAULT_REWARD: RewardConfig = { abstainReward: 0.1, abstainAfterFailures: 8 };

export interface Reward {
  value: number;
  components: { correctness: number; abstention: number };
}

export function assignReward(verdict: Verdict, failuresBefore: number, config: RewardConfig = DEFAULT_REWARD): Reward {
  const correctness = verdict === 'correct' ? 1 : 0;
  const abstention = verdict === 'abstain' && failuresBefore >= config.abstainAfterFailures ? config.abstainReward : 0;
  return { value: correctness + abstention, components: { correctness, abstention } };
}
