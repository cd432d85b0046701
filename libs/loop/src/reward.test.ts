import { assignReward, DEFAULT_REWARD } from './reward';

describe('assignReward', () => {
  it('pays 1 for correct answers and nothing for wrong or malformed ones', () => {
    expect(assignReward('correct', 0)).toEqual({ value: 1, components: { correctness: 1, abstention: 0 } });
    expect(assignReward('incorrect', 50).value).toBe(0);
    expect(assignReward('error', 50).value).toBe(0);
  });

  it('pays a small reward for abstaining only after enough failed attempts', () => {
    expect(assignReward('abstain', DEFAULT_REWARD.abstainAfterFailures - 1).value).toBe(0);
    expect(assignReward('abstain', DEFAULT_REWARD.abstainAfterFailures)).toEqual({
      value: DEFAULT_REWARD.abstainReward,
      components: { correctness: 0, abstention: DEFAULT_REWARD.abstainReward },
    });
  });
});
