export * from './config';
export * from './analytics-store';
export * from './clickhouse-time';
export * from './migrations/migration-files';
export * from './migrations/migrate';
export * from './queries/pass-at-k';
export * from './queries/leaderboard';
