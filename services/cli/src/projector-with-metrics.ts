import { PROJECTOR_GROUP, startProjector, type ProjectedWrites } from '@xp/projector';
import type { Subscription } from '@xp/event-log';
import type { Telemetry } from '@xp/telemetry';
import type { AnalyticsStack } from './stack';

/**
 * The projector as `xp up` and `xp serve projector` run it: its batches and failures in the process
 * metrics, its writes published to `writes` for readers in the same process.
 */
export function startProjectorWithMetrics(stack: AnalyticsStack, telemetry: Telemetry, writes?: ProjectedWrites): Promise<Subscription> {
  return startProjector({
    log: stack.log,
    store: stack.store,
    writes,
    onBatch: (_batch, stats) => {
      telemetry.eventsProjected.inc(stats.projected);
      telemetry.deadLettered.inc({ group: PROJECTOR_GROUP }, stats.rejected);
      telemetry.consumerLag.set({ group: PROJECTOR_GROUP, partition: String(stats.partition) }, stats.lag);
    },
    onError: (error) => {
      telemetry.errors.inc({ component: 'projector', code: 'WRITE_FAILED' });
      process.stderr.write(`projector: batch failed, retrying: ${(error as Error).message}\n`);
    },
  });
}
