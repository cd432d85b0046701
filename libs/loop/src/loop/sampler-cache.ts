import type { ModelUpdatedPayload } from '@xp/events';
import { PolicySampler } from '../sampler';
import { checkpointBytes } from './stages/training-stage';

/** Keeps one onnxruntime session open, reloading only when the checkpoint to sample from changes. */
export class SamplerCache {
  private current?: { checkpointId: string; sha256?: string; temperature: number; sampler: PolicySampler };

  async get(checkpoint: ModelUpdatedPayload, temperature: number): Promise<PolicySampler> {
    if (!this.current || this.current.checkpointId !== checkpoint.checkpointId || this.current.sha256 !== checkpoint.sha256 || this.current.temperature !== temperature) {
      await this.close();
      this.current = { checkpointId: checkpoint.checkpointId, sha256: checkpoint.sha256, temperature, sampler: await PolicySampler.load(checkpointBytes(checkpoint), { temperature }) };
    }
    return this.current.sampler;
  }

  async close(): Promise<void> {
    await this.current?.sampler.release();
    this.current = undefined;
  }
}
