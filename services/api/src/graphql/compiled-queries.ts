import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import type { DocumentNode, FormattedExecutionResult, GraphQLSchema } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { LruMap } from '../lru-map';

/**
 * Runs queries through graphql-jit: each distinct query document is compiled once into plain
 * JavaScript, which then skips graphql-js's per-field interpretation (field lookup, argument
 * coercion and value completion for every field of every object), and its answer is written by a
 * serializer generated for the query's shape. A lineage walk returns thousands of fields, so that
 * interpretation cost more than building the walk itself.
 *
 * Only queries come here, and only answers without errors are sent from here: a query that ends in
 * an error is left to Apollo's own executor, which runs it again (a query changes nothing) and
 * reports and formats its errors exactly as for any other operation. Mutations and subscriptions
 * never take this path. Plugins that hook execution itself (`executionDidStart`, `willResolveField`:
 * tracing, field usage reporting) do not see compiled queries; this API installs none.
 */
export class CompiledQueries {
  /** Compiled documents by query hash and operation; null when graphql-jit cannot compile one. */
  private readonly compiled: LruMap<CompiledQuery | null>;
  /** The serializer of each answer sent from here, found again by its data when Apollo writes the answer. */
  private readonly serializers = new WeakMap<object, CompiledQuery['stringify']>();

  constructor(maxDocuments = 500) {
    this.compiled = new LruMap(maxDocuments);
  }

  plugin(): ApolloServerPlugin {
    return {
      requestDidStart: async () => ({
        responseForOperation: async (ctx) => {
          if (ctx.operation.operation !== 'query') return null;
          const query = this.compile(`${ctx.queryHash}\u0000${ctx.operationName ?? ''}`, () => compileDocument(ctx.schema, ctx.document, ctx.operationName ?? undefined));
          if (!query) return null;
          const result = await query.query(undefined, ctx.contextValue, ctx.request.variables ?? {});
          if (result.errors?.length || !result.data) return null;
          this.serializers.set(result.data, query.stringify);
          return { http: { status: undefined, headers: new HeaderMap() }, body: { kind: 'single', singleResult: { data: result.data } } };
        },
      }),
    };
  }

  /** True when this answer was computed by a compiled query (and is written by its serializer). */
  answeredHere(result: FormattedExecutionResult): boolean {
    return result.data !== undefined && result.data !== null && this.serializers.has(result.data);
  }

  /** Apollo's `stringifyResult`: an answer from here with its query's serializer, any other with JSON.stringify. */
  stringify(result: FormattedExecutionResult): string {
    const serializer = result.data && !result.errors && !result.extensions ? this.serializers.get(result.data) : undefined;
    return serializer ? serializer({ data: result.data }) : JSON.stringify(result);
  }

  private compile(key: string, build: () => CompiledQuery | null): CompiledQuery | null {
    const known = this.compiled.get(key);
    if (known !== undefined) return known;
    let query: CompiledQuery | null;
    try {
      query = build();
    } catch {
      query = null; // a document graphql-jit cannot handle is always left to Apollo's executor
    }
    this.compiled.set(key, query);
    return query;
  }
}

/**
 * Compiles a query with a serializer generated for its shape. graphql-jit generates one only for
 * the built-in scalars, so a query that selects a custom scalar (DateTime, JSON) is compiled with
 * JSON.stringify as its serializer instead: it still skips graphql-js's per-field interpretation.
 */
function compileDocument(schema: GraphQLSchema, document: DocumentNode, operationName: string | undefined): CompiledQuery | null {
  const serialized = compileQuery(schema, document, operationName, { customJSONSerializer: true });
  if (isCompiledQuery(serialized)) return serialized;
  const plain = compileQuery(schema, document, operationName);
  return isCompiledQuery(plain) ? plain : null;
}
