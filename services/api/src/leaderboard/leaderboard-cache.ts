import type { LeaderboardOptions, LeaderboardResult } from '@xp/analytics';
import type { ProjectedWrite } from '@xp/projector';
import type { ApiDependencies } from '../api-dependencies';
import { ProjectionCache } from '../analytics/projection-cache';

export type LeaderboardCache = ProjectionCache<Promise<LeaderboardResult>>;

/** The cache key of a leaderboard: its team first, so a write finds its team's leaderboards. */
export function leaderboardKey(options: LeaderboardOptions): string {
  return `${options.team}\u0000${JSON.stringify(options)}`;
}

/**
 * The cached leaderboards a projector write may have changed: every one of a team the write has
 * events of. A leaderboard reads only its own team's rows, so other teams' stay exact.
 */
export function leaderboardsTouchedBy(keys: readonly string[], write: ProjectedWrite): string[] {
  const teams = new Set(write.events.map(({ event }) => event.team));
  return keys.filter((key) => teams.has(key.slice(0, key.indexOf('\u0000'))));
}

/**
 * Leaderboards under the projector's position, or none when `cacheResults` is off. When the
 * projector runs in this process (`xp up`), a team's writes drop only that team's leaderboards.
 */
export function leaderboardCache(deps: Pick<ApiDependencies, 'log' | 'cacheResults' | 'projectedWrites'>): LeaderboardCache | undefined {
  if (deps.cacheResults === false) return undefined;
  const cache: LeaderboardCache = new ProjectionCache(deps.log);
  if (deps.projectedWrites) cache.followWrites(deps.projectedWrites, (write) => leaderboardsTouchedBy(cache.keys(), write));
  return cache;
}
