import { GraphQLScalarType, Kind, type ValueNode } from 'graphql';

/** Any JSON value, passed through as is. */
export const JsonScalar = new GraphQLScalarType({
  name: 'JSON',
  description: 'Arbitrary JSON',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: function parse(ast: ValueNode, variables?: Record<string, unknown> | null): unknown {
    switch (ast.kind) {
      case Kind.STRING:
      case Kind.BOOLEAN:
        return ast.value;
      case Kind.INT:
      case Kind.FLOAT:
        return Number(ast.value);
      case Kind.NULL:
        return null;
      case Kind.LIST:
        return ast.values.map((v) => parse(v, variables));
      case Kind.OBJECT:
        return Object.fromEntries(ast.fields.map((f) => [f.name.value, parse(f.value, variables)]));
      case Kind.VARIABLE:
        return variables?.[ast.name.value];
      default:
        return undefined;
    }
  },
});

/** Timestamps as ISO-8601 UTC strings; ClickHouse's 'YYYY-MM-DD hh:mm:ss.sss' (UTC) is converted. */
export const DateTimeScalar = new GraphQLScalarType({
  name: 'DateTime',
  description: 'ISO-8601 timestamp in UTC',
  serialize: (value) => toIso(value),
  parseValue: (value) => toIso(value),
  parseLiteral: (ast) => (ast.kind === Kind.STRING ? toIso(ast.value) : undefined),
});

function toIso(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  const text = String(value);
  const normalized = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/.test(text) ? `${text.replace(' ', 'T')}Z` : text;
  const date = new Date(normalized);
  if (Number.isNaN(date.getTime())) throw new TypeError(`not a timestamp: ${text}`);
  return date.toISOString();
}
