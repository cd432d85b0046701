import { migrate, openAnalyticsStore, readAnalyticsConfig, requireMigrated, type AnalyticsStore } from '@xp/analytics';
import { AppendSignal, openEventLog, signallingLog, type EventLog } from '@xp/event-log';
import { eventLogConfig, type BusFlags } from './config';

/** The parts a command opens, closed together in reverse order. */
export interface Stack {
  dataDir: string;
  log: EventLog;
  /** Appends made through `log` by this process, as they are acknowledged (long polls wake on them). */
  appended: AppendSignal;
  close(): Promise<void>;
}

export interface AnalyticsStack extends Stack {
  store: AnalyticsStore;
}

export async function openLogStack(flags: BusFlags): Promise<Stack> {
  const config = eventLogConfig(flags);
  const appended = new AppendSignal();
  const log = signallingLog(await openEventLog(config), appended);
  return { dataDir: config.dataDir, log, appended, close: () => log.close() };
}

/**
 * Log plus the analytics store, migrated. In embedded mode chDB locks its directory, so this fails with
 * a clear message while `xp up` runs; such commands then go through its API instead.
 */
export async function openAnalyticsStack(flags: BusFlags): Promise<AnalyticsStack> {
  const stack = await openLogStack(flags);
  try {
    const store = await openAnalyticsStore(readAnalyticsConfig(process.env, stack.dataDir));
    // On a replicated cluster migrations run once, as their own Job (`xp migrate`), not in every pod.
    if (store.cluster) await requireMigrated(store);
    else await migrate(store);
    return {
      ...stack,
      store,
      close: async () => {
        await store.close();
        await stack.close();
      },
    };
  } catch (error) {
    await stack.close();
    throw error;
  }
}

/** Resolves on SIGINT or SIGTERM, so long-running commands stop cleanly. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
