import type { XpEvent } from '@xp/events';
import { projectEvents } from './project-events';
import { TABLE_COLUMNS, type PositionedEvent, type ProblemFacts, type ProjectionTable, type Row } from './projection-rows';

let seq = 0;
function event(type: string, payload: Record<string, unknown>): PositionedEvent {
  seq++;
  const e = {
    eventId: `0193a1b2-c3d4-7000-8abc-${String(seq).padStart(12, '0')}`, type, schemaVersion: 1, team: 't', experimentId: 'x', runId: 'r',
    seq, producer: 'test', occurredAt: '2026-11-01T12:00:00.000Z', parents: [], payload,
  } as unknown as XpEvent;
  return { event: e, partition: 0, offset: seq, appendedAt: 0 };
}

const registered = (problemId: string, split: string) =>
  event('problem.registered', { problemId, benchmark: 'arith', difficulty: 1, split, statement: 's', source: { kind: 'dataset', dataset: 'd' } });
const generated = (sampleId: string, problemId: string, purpose?: string) =>
  event('sample.generated', { sampleId, problemId, checkpointId: 'c', iteration: 1, attempt: 0, output: '7', tokens: 1, logprob: -1, seed: 1, ...(purpose ? { purpose } : {}) });
const verified = (sampleId: string, problemId: string) =>
  event('sample.verified', { sampleId, problemId, verifierId: 'v', verifierVersion: '1', verdict: 'correct', details: { answer: '7' } });
const rewarded = (sampleId: string, problemId: string) =>
  event('reward.assigned', { sampleId, problemId, value: 1, components: {}, rewardFunction: 'f', rewardVersion: '1' });

/** Named columns of a table's rows. */
const pick = (table: ProjectionTable, rows: Row[], ...columns: string[]) =>
  rows.map((row) => Object.fromEntries(columns.map((c) => [c, row[TABLE_COLUMNS[table].indexOf(c)]])));

describe('projectEvents: splits and purposes', () => {
  const none = { sample: () => undefined, problemOf: () => undefined };

  it("gives samples, verdicts and rewards their problem's split, and samples their purpose", () => {
    const { rows } = projectEvents([
      registered('p-held', 'heldout'), registered('p-train', 'train'),
      generated('r/e/1/0/0', 'p-held', 'evaluation'), verified('r/e/1/0/0', 'p-held'), rewarded('r/e/1/0/0', 'p-held'),
      generated('r/s/1/0/0', 'p-train'), verified('r/s/1/0/0', 'p-train'), rewarded('r/s/1/0/0', 'p-train'),
    ], none);
    expect(pick('samples', rows.samples, 'sample_id', 'split', 'purpose')).toEqual([
      { sample_id: 'r/e/1/0/0', split: 'heldout', purpose: 'evaluation' },
      { sample_id: 'r/s/1/0/0', split: 'train', purpose: 'training' },
    ]);
    expect(pick('verifications', rows.verifications, 'split')).toEqual([{ split: 'heldout' }, { split: 'train' }]);
    expect(pick('rewards', rows.rewards, 'split')).toEqual([{ split: 'heldout' }, { split: 'train' }]);
  });

  it('takes the split of a problem registered in an earlier batch from the context', () => {
    const earlier: ProblemFacts = { benchmark: 'maze', split: 'heldout' };
    const { rows } = projectEvents([generated('r/e/2/0/0', 'p-old', 'evaluation'), verified('r/e/2/0/0', 'p-old')], {
      sample: () => undefined,
      problemOf: (team, runId, problemId) => (team === 't' && runId === 'r' && problemId === 'p-old' ? earlier : undefined),
    });
    expect(pick('samples', rows.samples, 'benchmark', 'split')).toEqual([{ benchmark: 'maze', split: 'heldout' }]);
    expect(pick('verifications', rows.verifications, 'benchmark', 'split')).toEqual([{ benchmark: 'maze', split: 'heldout' }]);
  });

  it('counts a verdict whose sample is unknown by its own problem', () => {
    const { rows } = projectEvents([registered('p-held', 'heldout'), verified('r/e/9/0/0', 'p-held')], none);
    expect(pick('verifications', rows.verifications, 'split', 'checkpoint_id')).toEqual([{ split: 'heldout', checkpoint_id: '' }]);
  });
});
