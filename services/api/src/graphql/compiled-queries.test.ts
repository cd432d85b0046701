import { ApolloServer } from '@apollo/server';
import { GraphQLError, GraphQLInt, GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLScalarType, GraphQLSchema, GraphQLString } from 'graphql';
import { CompiledQueries } from './compiled-queries';

describe('compiled queries', () => {
  let calls: Record<string, number>;
  const count = (name: string) => (calls[name] = (calls[name] ?? 0) + 1);
  const Node = new GraphQLObjectType({
    name: 'Node',
    fields: { id: { type: new GraphQLNonNull(GraphQLString) }, distance: { type: GraphQLInt } },
  });
  const Stamp = new GraphQLScalarType({ name: 'Stamp', serialize: (value) => new Date(value as number).toISOString() });
  const Event = new GraphQLObjectType({
    name: 'Event',
    fields: { id: { type: new GraphQLNonNull(GraphQLString) }, at: { type: new GraphQLNonNull(Stamp) } },
  });
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({
      name: 'Query',
      fields: {
        nodes: {
          type: new GraphQLList(Node),
          args: { first: { type: new GraphQLNonNull(GraphQLInt) } },
          resolve: (_root, { first }: { first: number }) => {
            count('nodes');
            return Array.from({ length: first }, (_, i) => ({ id: `n${i}`, distance: i }));
          },
        },
        events: {
          type: new GraphQLList(Event),
          resolve: () => {
            count('events');
            return [{ id: 'e0', at: 0 }, { id: 'e1', at: 86_400_000 }];
          },
        },
        broken: {
          type: GraphQLString,
          resolve: () => {
            count('broken');
            throw new GraphQLError('broken on purpose', { extensions: { code: 'BAD_USER_INPUT' } });
          },
        },
      },
    }),
    mutation: new GraphQLObjectType({
      name: 'Mutation',
      fields: { touch: { type: GraphQLInt, resolve: () => count('touch') } },
    }),
  });
  const compiled = new CompiledQueries();
  const servers = { plain: new ApolloServer({ schema }), compiled: new ApolloServer({ schema, plugins: [compiled.plugin()] }) };
  const run = async (server: ApolloServer, query: string, variables?: Record<string, unknown>) => {
    const response = await server.executeOperation({ query, variables });
    if (response.body.kind !== 'single') throw new Error('expected a single result');
    return response.body.singleResult;
  };
  beforeEach(() => {
    calls = {};
  });

  it('answers a query as graphql-js does, resolving each field once', async () => {
    const query = 'query Walk($first: Int!) { nodes(first: $first) { id distance } }';
    const expected = await run(servers.plain, query, { first: 3 });
    calls = {};
    for (let i = 0; i < 2; i++) {
      const answer = await run(servers.compiled, query, { first: 3 });
      expect(answer).toEqual(expected);
      // Written by the query's own serializer, to the same text.
      expect(compiled.answeredHere(answer)).toBe(true);
      expect(compiled.stringify(answer)).toBe(JSON.stringify(expected));
    }
    expect(expected.data).toEqual({ nodes: [{ id: 'n0', distance: 0 }, { id: 'n1', distance: 1 }, { id: 'n2', distance: 2 }] });
    expect(calls).toEqual({ nodes: 2 });
  });

  it('answers aliases, fragments, directives and introspection as graphql-js does', async () => {
    const query = `query Shapes($skip: Boolean!) {
      near: nodes(first: 1) { ...Fields }
      far: nodes(first: 2) { id distance @skip(if: $skip) __typename }
      __schema { queryType { name } }
      __type(name: "Node") { fields { name type { name kind } } }
    }
    fragment Fields on Node { id ... on Node { distance } }`;
    for (const skip of [true, false]) {
      const expected = await run(servers.plain, query, { skip });
      expect(expected.errors).toBeUndefined();
      calls = {};
      const answer = await run(servers.compiled, query, { skip });
      expect(answer).toEqual(expected);
      expect(compiled.stringify(answer)).toBe(JSON.stringify(expected));
      // Answered by the compiled query alone: Apollo's executor would have resolved both lists again.
      expect(calls).toEqual({ nodes: 2 });
    }
  });

  it('compiles a query that selects a custom scalar too, written by JSON.stringify', async () => {
    const query = '{ events { id at } }';
    const expected = await run(servers.plain, query);
    expect(expected.data).toEqual({ events: [{ id: 'e0', at: '1970-01-01T00:00:00.000Z' }, { id: 'e1', at: '1970-01-02T00:00:00.000Z' }] });
    calls = {};
    const answer = await run(servers.compiled, query);
    expect(answer).toEqual(expected);
    expect(compiled.answeredHere(answer)).toBe(true);
    expect(compiled.stringify(answer)).toBe(JSON.stringify(expected));
    expect(calls).toEqual({ events: 1 });
  });

  it('leaves a query that fails to graphql-js, so its errors read as they always did', async () => {
    const expected = await run(servers.plain, '{ broken }');
    calls = {};
    const answer = await run(servers.compiled, '{ broken }');
    expect(answer).toEqual(expected);
    expect(compiled.answeredHere(answer)).toBe(false);
    expect(expected.errors?.[0]).toMatchObject({ message: 'broken on purpose', extensions: { code: 'BAD_USER_INPUT' } });
    // Once compiled, once by Apollo's executor.
    expect(calls).toEqual({ broken: 2 });
    const badVariable = await run(servers.compiled, 'query Walk($first: Int!) { nodes(first: $first) { id } }', { first: 'three' });
    expect(badVariable).toEqual(await run(servers.plain, 'query Walk($first: Int!) { nodes(first: $first) { id } }', { first: 'three' }));
    expect(badVariable.errors?.[0].message).toMatch(/\$first/);
  });

  it('runs a mutation once, through graphql-js', async () => {
    expect(await run(servers.compiled, 'mutation { touch }')).toEqual({ data: { touch: 1 } });
    expect(calls).toEqual({ touch: 1 });
  });
});
