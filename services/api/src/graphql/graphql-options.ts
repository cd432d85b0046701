import { join } from 'node:path';
import type { ApolloDriverConfig } from '@nestjs/apollo';
import { ApolloDriver } from '@nestjs/apollo';
import type { FormattedExecutionResult } from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import type { ApiDependencies } from '../api-dependencies';
import { authenticate, UnauthenticatedError } from '../auth/caller';
import type { RunsRepository } from '../runs/runs.repository';
import { CompiledQueries } from './compiled-queries';
import { toGraphQLError, unauthenticated } from './errors';
import { queryLimitsRule } from './query-limits';
import { createLoaders, type RequestContext } from './request-context';
import { DateTimeScalar, JsonScalar } from './scalars';

/** The SDL in schemas/ is the contract; resolvers are bound to it (schema first). */
export const SCHEMA_PATH = join(__dirname, '../../../../schemas/graphql/schema.graphql');

/** `runs` backs the per-request loaders (a run's iterations, batched across the runs of one query). */
export function graphqlOptions(deps: ApiDependencies, runs: RunsRepository): ApolloDriverConfig {
  const contextFor = (authorization: unknown): RequestContext => {
    try {
      const caller = authenticate(deps.keys, authorization);
      return { caller, loaders: createLoaders(caller.team, runs) };
    } catch (error) {
      if (error instanceof UnauthenticatedError) throw unauthenticated(error.message);
      throw error;
    }
  };
  const compiled = new CompiledQueries();
  return {
    driver: ApolloDriver,
    typePaths: [SCHEMA_PATH],
    resolvers: { JSON: JsonScalar, DateTime: DateTimeScalar },
    path: '/graphql',
    playground: false,
    introspection: true,
    csrfPrevention: true,
    validationRules: [queryLimitsRule()],
    // No cache hints are declared, so the default cache-control plugin's per-field hook is pure cost.
    plugins: [latencyPlugin(deps), ApolloServerPluginCacheControlDisabled(), compiled.plugin()],
    // Apollo pretty-prints responses by default; a lineage of thousands of nodes then costs twice.
    stringifyResult: (result: FormattedExecutionResult) => compiled.stringify(result),
    formatError: (formatted, error) => {
      const original = (error as { originalError?: unknown }).originalError;
      const mapped = original ? toGraphQLError(original) : undefined;
      if (mapped && mapped !== original && mapped instanceof Error) {
        return { ...formatted, message: mapped.message, extensions: { ...formatted.extensions, ...(mapped as { extensions?: object }).extensions } };
      }
      return formatted;
    },
    context: ({ req, extra }: { req?: { headers: Record<string, unknown> }; extra?: { connectionParams?: Record<string, unknown> } }) => {
      if (req) return contextFor(req.headers.authorization);
      const params = extra?.connectionParams ?? {};
      return contextFor(params.authorization ?? params.Authorization);
    },
    subscriptions: {
      'graphql-ws': {
        path: '/graphql',
        onConnect: (context: { connectionParams?: Record<string, unknown>; extra: Record<string, unknown> }) => {
          const params = context.connectionParams ?? {};
          // Refuse the socket before any subscription starts when the key is missing or wrong: false
          // closes it with 4403 Forbidden (a throw would close it as 4500, an internal error).
          try {
            authenticate(deps.keys, params.authorization ?? params.Authorization);
          } catch (error) {
            if (error instanceof UnauthenticatedError) return false;
            throw error;
          }
          context.extra.connectionParams = params;
          return true;
        },
      },
    },
  } as ApolloDriverConfig;
}

/** Records each operation's latency and outcome in the process metrics. */
function latencyPlugin(deps: ApiDependencies): ApolloServerPlugin {
  return {
    async requestDidStart() {
      const stop = deps.telemetry.graphqlDuration.startTimer();
      let operation = 'unknown';
      return {
        async didResolveOperation(ctx) {
          operation = ctx.operationName ?? ctx.operation?.operation ?? 'anonymous';
        },
        async didEncounterErrors(ctx) {
          for (const error of ctx.errors) deps.telemetry.errors.inc({ component: 'graphql', code: String(error.extensions?.code ?? 'INTERNAL') });
        },
        async willSendResponse(ctx) {
          stop({ operation, status: ctx.errors?.length ? 'error' : 'ok' });
        },
      };
    },
  };
}
