import type { Command } from 'commander';
import { DEFAULT_SQL_FORMAT, readAnalyticsConfig, openAnalyticsStore, runReadOnlySql } from '@xp/analytics';
import { dataDir } from '../config';

export function registerSql(program: Command): void {
  program
    .command('sql')
    .argument('<query>', 'a read-only statement (SELECT, WITH, SHOW, DESCRIBE, EXPLAIN, EXISTS)')
    .description('query the analytics store; statements that write are refused')
    .option('--format <format>', `any ClickHouse output format (TSV, JSONEachRow, CSV, ...); default ${DEFAULT_SQL_FORMAT}`)
    .option('--data-dir <dir>', 'data directory of the embedded stack (env XP_DATA_DIR, default ./.xp-data)')
    .action(async (query: string, flags: { format?: string; dataDir?: string }) => {
      const store = await openAnalyticsStore(readAnalyticsConfig(process.env, dataDir(flags)));
      try {
        const output = await runReadOnlySql(store, query, { format: flags.format });
        for await (const chunk of output) process.stdout.write(chunk);
      } finally {
        await store.close();
      }
    });
}
