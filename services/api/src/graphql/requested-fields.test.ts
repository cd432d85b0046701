import { buildSchema, graphql } from 'graphql';
import { requestedFields } from './requested-fields';

describe('requestedFields', () => {
  const schema = buildSchema(`
    type Node { id: ID! verdict: String reward: Float }
    type Edge { node: Node! }
    type Query { page: [Edge!]! }
  `);
  const fieldsOf = async (source: string) => {
    let seen: string[] = [];
    const result = await graphql({
      schema,
      source,
      rootValue: { page: (_args: unknown, _ctx: unknown, info: Parameters<typeof requestedFields>[0]) => ((seen = [...requestedFields(info)].sort()), []) },
    });
    expect(result.errors).toBeUndefined();
    return seen;
  };

  it('collects fields at any depth, through named and inline fragments', async () => {
    expect(await fieldsOf('{ page { node { id } } }')).toEqual(['id', 'node']);
    expect(await fieldsOf('{ page { ...E } } fragment E on Edge { node { ... on Node { verdict } } }')).toEqual(['node', 'verdict']);
  });
});
