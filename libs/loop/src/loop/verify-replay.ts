import type { EventLog } from '@xp/event-log';
import { hashCanonical, sha256Hex } from '../canonical-hash';
import type { SampledAttempt } from '../sampler';
import type { LoopConfig } from './config';
import { requireConfig } from './require-config';
import { heldOutProblems, project, type LoopState } from './projection';
import { groupByIteration, type AttemptRecords, type IterationRecords } from './run-records';
import { loadRunHistory, type RunHistory } from './run-history';
import { SamplerCache } from './sampler-cache';
import { decideCurriculumStage } from './stages/curriculum-stage';
import { evaluationPayloads } from './stages/evaluation-stage';
import { decideReplayStage, replayOutputHash } from './stages/replay-stage';
import { judgeAttempts, judgementHash, planAttempts, samplingHash, type PlannedAttempt } from './stages/sampling-stage';
import { currentCheckpoint, initialCheckpointBytes, trainCheckpoint } from './stages/training-stage';

export type DecisionKind = 'curriculum' | 'sampling' | 'judgement' | 'replay' | 'training' | 'evaluation';

export interface ReplayMismatch {
  kind: DecisionKind;
  iteration: number;
  /** The recorded decision: a decision, batch, checkpoint or sample-group id. */
  decisionId: string;
  /** Offset of the recorded event in the run's partition. */
  offset: number;
  recordedHash: string;
  recomputedHash: string;
  message: string;
}

export type ReplayVerification =
  | { status: 'identical'; runId: string; decisionsChecked: number }
  | { status: 'mismatch'; runId: string; decisionsChecked: number; mismatch: ReplayMismatch };

const NONE = '(none)';

/**
 * Recomputes every decision of a run from its log (curriculum choices, sampled answers, verdicts and
 * rewards, replay batches, trained checkpoints, evaluations) and compares hashes, in log order.
 * Checkpoint files must still be where model.updated says. A fork's inherited history is the
 * parent's to verify; only the run's own decisions are checked.
 */
export async function verifyReplay(log: EventLog, runId: string): Promise<ReplayVerification> {
  const history = await loadRunHistory(log, runId);
  const samplers = new SamplerCache();
  let decisionsChecked = 0;
  try {
    const external = project(history.entries.filter((e) => e.own && e.event.type === 'run.started')).external !== undefined;
    for (const records of groupByIteration(runId, history.own())) {
      for (const check of external ? externalChecksOf(records) : checksOf(records)) {
        const mismatch = await check({ history, runId, records, samplers });
        if (mismatch === 'skipped') continue;
        if (mismatch) return { status: 'mismatch', runId, decisionsChecked, mismatch };
        decisionsChecked++;
      }
    }
    return { status: 'identical', runId, decisionsChecked };
  } finally {
    await samplers.close();
  }
}

interface CheckContext {
  history: RunHistory;
  runId: string;
  records: IterationRecords;
  samplers: SamplerCache;
}

type Check = (context: CheckContext) => Promise<ReplayMismatch | undefined | 'skipped'>;

function checksOf(records: IterationRecords): Check[] {
  if (!records.curriculum) return [checkInitialCheckpoint, ...attemptChecks('eval'), checkEvaluations];
  return [checkCurriculum, ...attemptChecks('train'), checkReplay, checkTraining, ...attemptChecks('eval'), checkEvaluations];
}

/**
 * An external run's samples, verdicts, rewards, checkpoints and evaluations are facts reported from
 * outside, recorded rather than recomputable; its curriculum and replay decisions are xp's and are
 * recomputed like a built-in run's.
 */
function externalChecksOf(records: IterationRecords): Check[] {
  if (!records.curriculum) return [];
  // An iteration whose replay drew nothing (nothing kept yet) records no batch to check.
  return records.replay.length > 0 ? [checkCurriculum, checkReplay] : [checkCurriculum];
}

const mismatch = (records: IterationRecords, m: Omit<ReplayMismatch, 'iteration'>): ReplayMismatch => ({ iteration: records.iteration, ...m });

const checkCurriculum: Check = async ({ history, runId, records }) => {
  const { offset, payload } = records.curriculum!;
  const recomputed = decideCurriculumStage(project(history.upTo(payload.watermark)), runId, payload.iteration, payload.watermark);
  const recordedListHash = hashCanonical(payload.problemIds);
  const sameTask = recomputed.task === payload.task;
  if (recomputed.outputHash === payload.outputHash && recordedListHash === payload.outputHash && recomputed.seed === payload.seed && sameTask) return undefined;
  const decisionId = payload.decisionId;
  if (!sameTask) {
    return mismatch(records, {
      kind: 'curriculum', decisionId, offset, recordedHash: hashCanonical(payload.task ?? null), recomputedHash: hashCanonical(recomputed.task ?? null),
      message: `recorded task ${payload.task ?? '(none)'}, the strategy is on task ${recomputed.task ?? '(none)'} at the watermark`,
    });
  }
  const message = recomputed.seed !== payload.seed
    ? `recorded seed ${payload.seed}, the run seed derives ${recomputed.seed}`
    : recordedListHash !== payload.outputHash
      ? 'the recorded problem list does not hash to the recorded outputHash'
      : 'the strategy chooses other problems from the log up to the watermark';
  const recordedHash = recordedListHash !== payload.outputHash ? recordedListHash : payload.outputHash;
  return mismatch(records, { kind: 'curriculum', decisionId, offset, recordedHash, recomputedHash: recomputed.outputHash, message });
};

/** Sampling, then judgement, of one attempt group; both plan the attempts from the state just before the group. */
function attemptChecks(kind: 'train' | 'eval'): Check[] {
  const plan = ({ history, runId, records }: CheckContext) => {
    const group = kind === 'train' ? records.train : records.eval;
    if (group.generated.length === 0) return undefined;
    const state = project(history.upTo(group.generated[0].offset));
    const config = requireConfig(state);
    const problems = kind === 'train'
      ? records.curriculum!.payload.problemIds.map((id) => state.problems.get(id)!)
      : heldOutProblems(state);
    const attempts = kind === 'train' ? config.attemptsPerProblem : config.evaluation.samplesPerProblem;
    return { group, state, config, plans: planAttempts(runId, state.runSeed, kind, records.iteration, problems, attempts) };
  };
  const groupId = (runId: string, records: IterationRecords) => `${runId}/${kind === 'train' ? 's' : 'e'}/${records.iteration}`;

  const sampling: Check = async (context) => {
    const planned = plan(context);
    if (!planned) return 'skipped';
    const checkpoint = currentCheckpoint(planned.state);
    const sampler = await context.samplers.get(checkpoint, planned.config.temperature);
    const outputs = await sampler.sample(planned.plans);
    const recomputedHash = samplingHash(planned.plans.map((p, i) => ({ ...p, checkpointId: checkpoint.checkpointId, output: outputs[i].output })));
    const recordedHash = samplingHash(planned.group.generated.map((g) => g.payload));
    if (recomputedHash === recordedHash) return undefined;
    return mismatch(context.records, {
      kind: 'sampling', decisionId: groupId(context.runId, context.records), offset: planned.group.generated[0].offset, recordedHash, recomputedHash,
      message: `the ${kind} samples differ from what checkpoint ${checkpoint.checkpointId} draws with the recorded seeds`,
    });
  };

  const judgement: Check = async (context) => {
    const planned = plan(context);
    if (!planned) return 'skipped';
    const recomputed = rejudge(planned.plans, planned.group, planned.state, planned.config);
    const recomputedHash = judgementHash(recomputed.map((a) => ({ sampleId: a.sampleId, verdict: a.verification.verdict, reward: a.reward.value })));
    const recordedHash = judgementHash(planned.group.generated.map(({ payload: { sampleId } }) => ({
      sampleId, verdict: planned.group.verdicts.get(sampleId) ?? NONE, reward: planned.group.rewards.get(sampleId) ?? NONE,
    })));
    if (recomputedHash === recordedHash) return undefined;
    return mismatch(context.records, {
      kind: 'judgement', decisionId: groupId(context.runId, context.records), offset: planned.group.generated[0].offset, recordedHash, recomputedHash,
      message: `the verdicts or rewards of the ${kind} samples differ from what the verifiers and reward function give their recorded answers`,
    });
  };
  return [sampling, judgement];
}

/** Verdicts and rewards recomputed from the recorded answers, so judgement is checked apart from sampling. */
function rejudge(plans: PlannedAttempt[], group: AttemptRecords, state: LoopState, config: LoopConfig) {
  const recorded = new Map(group.generated.map((g) => [g.payload.sampleId, g.payload]));
  const answers = plans.map((p): SampledAttempt => ({ output: recorded.get(p.sampleId)?.output ?? '', tokens: 0, logprob: 0 }));
  return judgeAttempts(plans, answers, state.stats, config.reward);
}

const checkReplay: Check = async ({ history, runId, records }) => {
  const watermark = records.replay[0]?.payload.watermark ?? records.train.end;
  const recomputed = decideReplayStage(project(history.upTo(watermark)), runId, records.iteration, watermark);
  const recorded = records.replay.map((r) => r.payload);
  for (let i = 0; i < Math.max(recorded.length, recomputed.length); i++) {
    const mine = recorded[i];
    const theirs = recomputed[i];
    const recordedHash = mine ? replayOutputHash(mine.sampleIds) : NONE;
    const sameProbabilities = hashCanonical(mine?.probabilities ?? null) === hashCanonical(theirs?.probabilities ?? null);
    const sameMemory = hashCanonical(mine?.fromMemory ?? null) === hashCanonical(theirs?.fromMemory ?? null);
    if (mine && theirs && recordedHash === mine.outputHash && theirs.outputHash === mine.outputHash && theirs.seed === mine.seed && sameProbabilities && sameMemory) continue;
    return mismatch(records, {
      kind: 'replay',
      decisionId: mine?.batchId ?? theirs!.batchId,
      offset: records.replay[i]?.offset ?? watermark,
      recordedHash: mine && recordedHash === mine.outputHash ? mine.outputHash : recordedHash,
      recomputedHash: theirs?.outputHash ?? NONE,
      message: !mine || !theirs
        ? `the log holds ${recorded.length} replay batches, the strategy draws ${recomputed.length}`
        : !sameProbabilities
          ? 'the batch records other sampling probabilities than the replay strategy gives'
          : !sameMemory
            ? 'the batch marks other samples as drawn from the rehearsal memory than the strategy does'
            : 'the batch differs from what the replay strategy draws from the log up to the watermark',
    });
  }
  return undefined;
};

const checkTraining: Check = async ({ history, records }) => {
  const model = records.model;
  if (!model) {
    return records.replay.length === 0 ? 'skipped' : mismatch(records, {
      kind: 'training', decisionId: records.replay[0].payload.batchId, offset: records.replay[0].offset, recordedHash: NONE, recomputedHash: NONE,
      message: 'replay batches were drawn but no model.updated follows them',
    });
  }
  const batches = model.payload.batchIds.map((id) => records.replay.find((r) => r.payload.batchId === id)?.payload);
  const state = project(history.upTo(model.offset));
  const recomputedHash = batches.every((b) => b !== undefined) ? sha256Hex(trainCheckpoint(state, batches.map((b) => b!)).onnx) : NONE;
  return compareCheckpoint(records, model, recomputedHash, 'retraining the parent checkpoint on the recorded batches gives another checkpoint');
};

const checkInitialCheckpoint: Check = async ({ history, records }) => {
  const model = records.model;
  if (!model) return 'skipped';
  const state = project(history.upTo(model.offset));
  const recomputedHash = sha256Hex(initialCheckpointBytes(state.runSeed, requireConfig(state)));
  return compareCheckpoint(records, model, recomputedHash, 'the first checkpoint differs from the one the run seed initialises');
};

/**
 * A checkpoint recorded without its sha256 (the field is optional for external trainers) leaves
 * nothing to compare a retrained one with: that is reported as the place verification stops, since
 * neither this step nor anything later sampled from its checkpoint can be checked.
 */
function compareCheckpoint(
  records: IterationRecords, model: NonNullable<IterationRecords['model']>, recomputedHash: string, message: string,
): ReplayMismatch | undefined {
  const recordedHash = model.payload.sha256;
  if (recordedHash === recomputedHash) return undefined;
  return mismatch(records, {
    kind: 'training', decisionId: model.payload.checkpointId, offset: model.offset, recordedHash: recordedHash ?? NONE, recomputedHash,
    message: recordedHash !== undefined ? message
      : `checkpoint ${model.payload.checkpointId} records no sha256: recomputing it gives ${recomputedHash}, but there is no recorded hash to compare `
        + 'with, so this training step and every later decision sampled from its checkpoint cannot be verified (decisions before it were)',
  });
}

const checkEvaluations: Check = async ({ history, runId, records }) => {
  if (records.evaluations.length === 0) return 'skipped';
  const first = records.eval.generated[0]?.offset ?? records.evaluations[0].offset;
  const state = project(history.upTo(first));
  const config = requireConfig(state);
  const plans = planAttempts(runId, state.runSeed, 'eval', records.iteration, heldOutProblems(state), config.evaluation.samplesPerProblem);
  const recomputed = evaluationPayloads(rejudge(plans, records.eval, state, config), currentCheckpoint(state).checkpointId, config.evaluation.k);
  const recordedHash = hashCanonical(records.evaluations.map((e) => e.payload));
  const recomputedHash = hashCanonical(recomputed);
  return recordedHash === recomputedHash ? undefined : mismatch(records, {
    kind: 'evaluation', decisionId: `${runId}/eval/${records.iteration}`, offset: records.evaluations[0].offset, recordedHash, recomputedHash,
    message: 'the recorded evaluation metrics differ from those computed from the recorded held-out answers',
  });
};
