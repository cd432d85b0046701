import { buildSchema, parse, validate } from 'graphql';
import { queryLimitsRule } from './query-limits';

const schema = buildSchema(`
  type Node { id: ID! children(first: Int): [Node!]! parent: Node tags: [String!]! }
  type Page { items: [Node!]! }
  type Query { node(id: ID!): Node nodes(first: Int): [Node!]! page(first: Int): Page! }
`);

function errors(query: string, limits = { maxDepth: 4, maxCost: 1000 }): string[] {
  return validate(schema, parse(query), [queryLimitsRule(limits)]).map((e) => e.message);
}

describe('query limits', () => {
  it('accepts queries within depth and cost', () => {
    expect(errors('{ node(id: "a") { id parent { id } } }')).toEqual([]);
  });

  it('counts depth through fragments', () => {
    const query = `{ node(id: "a") { ...deep } } fragment deep on Node { parent { parent { parent { parent { id } } } } }`;
    expect(errors(query)).toEqual(['query is nested 6 levels deep; the limit is 4']);
  });

  it('multiplies cost by page sizes and by unpaged lists', () => {
    // nodes(first: 10): 1 + 10 x (id + children(first: 10) + 10 x id) = 1 + 10 x 12 = 121
    expect(errors('{ nodes(first: 10) { id children(first: 10) { id } } }', { maxDepth: 10, maxCost: 120 })).toEqual([
      'query cost 121 exceeds the limit of 120; ask for fewer items (first) or fewer nested lists',
    ]);
    // A connection's first sizes what is inside it, and its inner list adds no second factor: 1 + 5 + 5.
    expect(errors('{ page(first: 5) { items { id } } }', { maxDepth: 10, maxCost: 10 })).toEqual([
      'query cost 11 exceeds the limit of 10; ask for fewer items (first) or fewer nested lists',
    ]);
  });
});
