import type { AnalyticsStore } from '@xp/analytics';
import type { ApiKeyStore } from '@xp/auth';
import type { EventLog } from '@xp/event-log';
import type { ProjectedWrites } from '@xp/projector';
import type { SchemaRegistry, ValidationIssue, XpEvent } from '@xp/events';
import type { Telemetry } from '@xp/telemetry';
import type { DecisionSource } from './decisions/decision-source';
import type { LoopControl } from './loop-control';

/** What the API needs from the process that hosts it (`xp up` or `xp serve api`). */
export interface ApiDependencies {
  log: EventLog;
  analytics: AnalyticsStore;
  keys: ApiKeyStore;
  registry: SchemaRegistry;
  telemetry: Telemetry;
  /** Starting, replaying and forking runs of the built-in loop; absent when this process hosts no loop. */
  loop?: LoopControl;
  /** A further check on schema-valid ingested events (an external run's config); returns why one is refused. */
  admitEvent?: (event: XpEvent) => ValidationIssue | undefined;
  /** Delivery of external runs' decisions (`GET /v1/runs/{runId}/decisions`); absent: 503 there. */
  decisions?: DecisionSource;
  /** Largest accepted `POST /v1/events` body in bytes (default 16 MiB). */
  maxIngestBytes?: number;
  /**
   * Cache leaderboards and lineage neighbours under the projector's committed offsets (default
   * true): exact while the projector is the only writer of the projections; turn it off when
   * something else writes them.
   */
  cacheResults?: boolean;
  /**
   * The writes of a projector running in this process (`xp up`): cached lineage neighbours then
   * survive projector commits that do not touch them, instead of being read again after each one.
   */
  projectedWrites?: ProjectedWrites;
  /** True once the hosting process finished start-up (migrations applied, consumers running). */
  isReady?: () => boolean;
}

export const API_DEPENDENCIES = Symbol('ApiDependencies');
