import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The process's Prometheus metrics, created once by the composition root and handed to whatever
 * records them (API, projector, loop services), so `/metrics` shows the whole process.
 */
export class Telemetry {
  readonly registry = new Registry();

  readonly eventsIngested = new Counter({
    name: 'xp_events_ingested_total',
    help: 'Events accepted by ingest (HTTP, GraphQL), by source',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });

  readonly eventsRejected = new Counter({
    name: 'xp_events_rejected_total',
    help: 'Events rejected by ingest validation, by source',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });

  readonly eventsProjected = new Counter({
    name: 'xp_events_projected_total',
    help: 'Events written to the analytics store by the projector',
    registers: [this.registry],
  });

  readonly deadLettered = new Counter({
    name: 'xp_events_dead_lettered_total',
    help: 'Records parked in a dead-letter topic, by consumer group',
    labelNames: ['group'] as const,
    registers: [this.registry],
  });

  readonly consumerLag = new Gauge({
    name: 'xp_consumer_lag',
    help: 'Records between a consumer group position and the end of the partition',
    labelNames: ['group', 'partition'] as const,
    registers: [this.registry],
  });

  readonly graphqlDuration = new Histogram({
    name: 'xp_graphql_request_duration_seconds',
    help: 'GraphQL operation latency',
    labelNames: ['operation', 'status'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly loopDecisions = new Counter({
    name: 'xp_loop_decisions_total',
    help: 'Decisions a loop service appended, by service and kind',
    labelNames: ['service', 'kind'] as const,
    registers: [this.registry],
  });

  readonly loopDecisionDuration = new Histogram({
    name: 'xp_loop_decision_duration_seconds',
    help: 'A loop service\'s own time to decide: from reading the run to the decision\'s append being acknowledged',
    labelNames: ['service'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [this.registry],
  });

  readonly errors = new Counter({
    name: 'xp_errors_total',
    help: 'Errors by component and error code',
    labelNames: ['component', 'code'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'xp_' });
  }
}
