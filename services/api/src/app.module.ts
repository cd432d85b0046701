import { type DynamicModule, Module } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { API_DEPENDENCIES, type ApiDependencies } from './api-dependencies';
import { graphqlOptions } from './graphql/graphql-options';
import { DecisionsController } from './decisions/decisions.controller';
import { DecisionsQueryResolver, DecisionsSubscriptionResolver, RunWaitResolver } from './decisions/decisions.resolver';
import { HealthController } from './health/health.controller';
import { IngestController } from './ingest/ingest.controller';
import { LeaderboardResolver } from './leaderboard/leaderboard.resolver';
import { ProjectionCache } from './analytics/projection-cache';
import { LINEAGE_CACHE_LINKS, LineageRepository, neighboursTouchedBy, type CachedNeighbours } from './lineage/lineage.repository';
import { LineageResolver } from './lineage/lineage.resolver';
import { LoopMutationsResolver } from './loop/loop.resolver';
import { MetricsController } from './metrics/metrics.controller';
import { ProgressResolver } from './progress/progress.resolver';
import { MetricSeriesRepository } from './runs/metric-series.repository';
import { ForgettingRepository } from './runs/forgetting.repository';
import { RunsRepository } from './runs/runs.repository';
import { RunFieldsResolver, RunsQueryResolver } from './runs/runs.resolver';
import { SamplesRepository } from './samples/samples.repository';
import { SamplesQueryResolver } from './samples/samples.resolver';

@Module({})
export class ApiModule {
  static register(deps: ApiDependencies): DynamicModule {
    const repositories = {
      runs: new RunsRepository(deps.analytics),
      samples: new SamplesRepository(deps.analytics),
      lineage: new LineageRepository(deps.analytics, deps.cacheResults === false ? undefined : lineageCache(deps)),
    };
    return {
      module: ApiModule,
      imports: [GraphQLModule.forRoot(graphqlOptions(deps, repositories.runs))],
      controllers: [HealthController, MetricsController, IngestController, DecisionsController],
      providers: [
        { provide: API_DEPENDENCIES, useValue: deps },
        { provide: RunsRepository, useValue: repositories.runs },
        { provide: SamplesRepository, useValue: repositories.samples },
        { provide: LineageRepository, useValue: repositories.lineage },
        { provide: MetricSeriesRepository, useValue: new MetricSeriesRepository(deps.analytics) },
        { provide: ForgettingRepository, useValue: new ForgettingRepository(deps.analytics) },
        RunsQueryResolver,
        RunFieldsResolver,
        SamplesQueryResolver,
        LineageResolver,
        LeaderboardResolver,
        LoopMutationsResolver,
        ProgressResolver,
        DecisionsQueryResolver,
        DecisionsSubscriptionResolver,
        RunWaitResolver,
      ],
    };
  }
}

/** Lineage neighbours under the projector's position; following its writes when it runs in this process. */
function lineageCache(deps: ApiDependencies): ProjectionCache<CachedNeighbours> {
  const cache = new ProjectionCache<CachedNeighbours>(deps.log, LINEAGE_CACHE_LINKS);
  if (deps.projectedWrites) cache.followWrites(deps.projectedWrites, neighboursTouchedBy);
  return cache;
}
