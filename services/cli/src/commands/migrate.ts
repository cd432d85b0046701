import type { Command } from 'commander';
import { migrate, openAnalyticsStore, readAnalyticsConfig } from '@xp/analytics';
import { dataDir } from '../config';

/** Applies the analytics migrations; on a replicated cluster this is the only place DDL runs (a Job before a rollout). */
export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('apply the analytics migrations (ON CLUSTER when CLICKHOUSE_CLUSTER is set); services on a cluster only check them')
    .option('--data-dir <dir>', 'data directory of the embedded stack (env XP_DATA_DIR, default ./.xp-data)')
    .action(async (flags: { dataDir?: string }) => {
      const store = await openAnalyticsStore(readAnalyticsConfig(process.env, dataDir(flags)), { migrating: true });
      try {
        const { changed } = await migrate(store);
        process.stdout.write(changed.length > 0 ? `applied ${changed.join(', ')}\n` : 'up to date\n');
      } finally {
        await store.close();
      }
    });
}
