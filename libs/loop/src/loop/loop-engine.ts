import { performance } from 'node:perf_hooks';
import type { ModelUpdatedPayload } from '@xp/events';
import type { PolicySampler } from '../sampler';
import { SamplerCache } from './sampler-cache';
import { requireConfig } from './require-config';
import type { BenchmarkResult, HeldOutMetrics, IterationMetrics, LoopProgress, LoopStage } from './metrics-types';
import { heldOutProblems } from './projection';
import { PRODUCERS, type RunWriter } from './run-writer';
import { decideCurriculumStage } from './stages/curriculum-stage';
import { evaluationEvents, overallEvaluation } from './stages/evaluation-stage';
import { decideReplayStage } from './stages/replay-stage';
import { attemptEvents, planAttempts, sampleAndJudge } from './stages/sampling-stage';
import { currentCheckpoint, trainStage } from './stages/training-stage';

/**
 * Drives a run's stages in order over its writer: each stage reads the state folded from the log,
 * makes its decision, and appends its events before the next stage starts.
 */
export class LoopEngine {
  private readonly samplers = new SamplerCache();

  constructor(
    private readonly writer: RunWriter,
    private readonly dataDir: string,
    private readonly report: (progress: Omit<LoopProgress, 'runId' | 'totalIterations' | 'completedIterations'>) => void = () => {},
  ) {}

  private get state() {
    return this.writer.state;
  }

  private get runId() {
    return this.writer.history.runId;
  }

  /** Samples every held-out problem with the checkpoint and records evaluation.completed per benchmark. */
  async evaluate(iteration: number, checkpoint: ModelUpdatedPayload): Promise<HeldOutMetrics> {
    const config = requireConfig(this.state);
    const plans = planAttempts(this.runId, this.state.runSeed, 'eval', iteration, heldOutProblems(this.state), config.evaluation.samplesPerProblem);
    const judged = await sampleAndJudge(await this.samplerFor(checkpoint), plans, this.state.stats, config.reward);
    const { drafts, payloads } = evaluationEvents(judged, checkpoint.checkpointId, iteration, config.temperature, config.evaluation.k);
    await this.writer.write(drafts);
    const byBenchmark: Record<string, BenchmarkResult> = {};
    for (const p of payloads) {
      byBenchmark[p.benchmark] = { problems: p.problems, passAt1: p.passAt1, passAtK: p.passAtK, majAtK: p.majAtK, meanReward: p.meanReward, solved: p.solved };
    }
    return { checkpointId: checkpoint.checkpointId, k: config.evaluation.k, ...overallEvaluation(payloads), byBenchmark };
  }

  async iterate(iteration: number): Promise<IterationMetrics> {
    const config = requireConfig(this.state);
    const writes = { ...this.writer.totals };
    const stageMs = {} as Record<LoopStage, number>;
    const timed = async <T>(stage: LoopStage, work: () => Promise<T> | T): Promise<T> => {
      this.report({ iteration, stage });
      const started = performance.now();
      const result = await work();
      stageMs[stage] = performance.now() - started;
      return result;
    };

    const decision = await timed('curriculum', async () => {
      const payload = decideCurriculumStage(this.state, this.runId, iteration, this.writer.history.watermark());
      await this.writer.write([{ type: 'curriculum.decided', producer: PRODUCERS.curriculum, payload }]);
      return payload;
    });

    const sampledWith = currentCheckpoint(this.state);
    const judged = await timed('sampling', async () => {
      const problems = decision.problemIds.map((id) => this.state.problems.get(id)!);
      const plans = planAttempts(this.runId, this.state.runSeed, 'train', iteration, problems, config.attemptsPerProblem);
      const attempts = await sampleAndJudge(await this.samplerFor(sampledWith), plans, this.state.stats, config.reward);
      await this.writer.write(attemptEvents(attempts, sampledWith.checkpointId, iteration, config.temperature, [decision.decisionId]));
      return attempts;
    });

    const batches = await timed('replay', async () => {
      const payloads = decideReplayStage(this.state, this.runId, iteration, this.writer.history.watermark());
      await this.writer.write(payloads.map((payload) => ({ type: 'replay.batch' as const, producer: PRODUCERS.replay, payload })));
      return payloads;
    });

    const trained = await timed('training', async () => {
      if (batches.length === 0) return undefined; // nothing kept yet: keep sampling with the same checkpoint
      const payload = trainStage(this.state, batches, this.dataDir);
      await this.writer.write([{
        type: 'model.updated', producer: PRODUCERS.trainer, parents: [sampledWith.checkpointId, ...batches.map((b) => b.batchId)], payload,
      }]);
      return payload;
    });

    const checkpoint = trained ?? sampledWith;
    const heldOut = await timed('evaluation', () => this.evaluate(iteration, checkpoint));
    const correct = judged.filter((a) => a.verification.verdict === 'correct').length;
    return {
      iteration,
      checkpointId: checkpoint.checkpointId,
      trainSamples: judged.length,
      trainPassRate: judged.length === 0 ? 0 : correct / judged.length,
      meanReward: judged.length === 0 ? 0 : judged.reduce((s, a) => s + a.reward.value, 0) / judged.length,
      keptSamples: this.state.kept.length,
      replayBatches: batches.length,
      loss: trained?.loss ?? 0,
      step: checkpoint.step,
      heldOutPassAt1: heldOut.passAt1,
      heldOutPassAtK: heldOut.passAtK,
      heldOutMajAtK: heldOut.majAtK,
      heldOut,
      stageMs,
      events: this.writer.totals.events - writes.events,
      eventsMs: this.writer.totals.ms - writes.ms,
    };
  }

  private samplerFor(checkpoint: ModelUpdatedPayload): Promise<PolicySampler> {
    return this.samplers.get(checkpoint, requireConfig(this.state).temperature);
  }

  async close(): Promise<void> {
    await this.samplers.close();
  }
}
