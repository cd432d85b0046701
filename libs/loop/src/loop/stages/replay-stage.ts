import type { ReplayBatchPayload } from '@xp/events';
import { hashCanonical } from '../../canonical-hash';
import { decideReplay, drawProbabilities, replayParams } from '../../replay/strategies';
import { deriveSeed } from '../../rng';
import { strategyConfig } from '../require-config';
import type { LoopState } from '../projection';

export function replayBatchId(runId: string, iteration: number, index: number): string {
  return `${runId}/b/${iteration}/${index}`;
}

/**
 * The replay decision of one iteration, as one replay.batch event per batch. All batches of an
 * iteration come from one draw (one seed); each records its own output hash.
 */
export function decideReplayStage(state: LoopState, runId: string, iteration: number, watermark: number): ReplayBatchPayload[] {
  const config = strategyConfig(state).replay;
  const seed = deriveSeed(state.runSeed, 'replay', iteration);
  const batches = decideReplay(state.kept, seed, config, { iteration, memorySeed: deriveSeed(state.runSeed, 'memory') });
  const probabilities = drawProbabilities(state.kept, config);
  const params = { ...replayParams(config), batchSize: config.batchSize, batchesPerIteration: config.batchesPerIteration };
  return batches.map(({ sampleIds, fromMemory }, index) => ({
    batchId: replayBatchId(runId, iteration, index),
    iteration,
    strategy: config.strategy,
    params,
    sampleIds,
    ...(probabilities ? { probabilities: sampleIds.map((id) => probabilities.get(id)!) } : {}),
    ...(fromMemory ? { fromMemory } : {}),
    // Reshuffling covers the buffer once per iteration, so the iteration numbers its epochs.
    ...(config.strategy === 'reshuffle' ? { epoch: iteration } : {}),
    watermark,
    seed,
    outputHash: replayOutputHash(sampleIds),
  }));
}

/**
 * Hashes the batch by run-relative sample keys (`s/<iteration>/<problem>/<attempt>`), so two runs
 * with the same seed and config hash alike whatever their run ids. Keys stay unique along a fork
 * chain because a child's iterations continue after the ones it inherits.
 */
export function replayOutputHash(sampleIds: readonly string[]): string {
  return hashCanonical(sampleIds.map((id) => id.slice(id.lastIndexOf('/s/') + 1)));
}
