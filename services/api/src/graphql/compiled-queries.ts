import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';

/**
 * Runs queries through graphql-jit: each distinct query document is compiled once into plain
 * JavaScript, which then skips graphql-js's per-field interpretation (field lookup, argument
 * coercion and value completion for every field of every object). A lineage walk returns thousands
 * of fields, so that interpretation cost more than building the walk itself.
 *
 * Only queries come here, and only answers without errors are sent from here: a query that ends in
 * an error is left to Apollo's own executor, which runs it again (a query changes nothing) and
 * reports and formats its errors exactly as for any other operation. Mutations and subscriptions
 * never take this path.
 */
export function compiledQueriesPlugin(maxDocuments = 500): ApolloServerPlugin {
  /** Compiled documents by query hash and operation, least recently used first; null when graphql-jit cannot compile one. */
  const compiled = new Map<string, CompiledQuery | null>();
  const compile = (key: string, build: () => CompiledQuery | null): CompiledQuery | null => {
    const known = compiled.get(key);
    if (known !== undefined) {
      compiled.delete(key);
      compiled.set(key, known);
      return known;
    }
    const query = build();
    compiled.set(key, query);
    if (compiled.size > maxDocuments) compiled.delete(compiled.keys().next().value as string);
    return query;
  };
  return {
    async requestDidStart() {
      return {
        async responseForOperation(ctx) {
          if (ctx.operation.operation !== 'query') return null;
          const query = compile(`${ctx.queryHash}\u0000${ctx.operationName ?? ''}`, () => {
            try {
              const result = compileQuery(ctx.schema, ctx.document, ctx.operationName ?? undefined);
              return isCompiledQuery(result) ? result : null;
            } catch {
              return null; // a document graphql-jit cannot handle is always left to Apollo's executor
            }
          });
          if (!query) return null;
          const result = await query.query(undefined, ctx.contextValue, ctx.request.variables ?? {});
          if (result.errors?.length) return null;
          return { http: { status: undefined, headers: new HeaderMap() }, body: { kind: 'single', singleResult: { data: result.data } } };
        },
      };
    },
  };
}
