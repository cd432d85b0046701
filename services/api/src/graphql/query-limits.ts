import {
  GraphQLError,
  Kind,
  getNamedType,
  getNullableType,
  isListType,
  type ASTVisitor,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type InlineFragmentNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValueNode,
} from 'graphql';

export interface QueryLimits {
  maxDepth: number;
  maxCost: number;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = { maxDepth: 12, maxCost: 50_000 };

/** Items assumed for a `first` given as a variable, and for a list field that takes no `first` (small nested lists). */
const DEFAULT_PAGE = 50;
const UNPAGED_LIST = 20;

/**
 * Rejects queries that nest deeper than `maxDepth` or whose estimated cost exceeds `maxCost`. Each field
 * costs 1, multiplied by the sizes of the lists above it (`first` when given), so a harmless query
 * costs a few hundred and an amplification attack is refused before it runs.
 */
export function queryLimitsRule(limits: QueryLimits = DEFAULT_QUERY_LIMITS) {
  return (context: ValidationContext): ASTVisitor => {
    const schema = context.getSchema();
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of context.getDocument().definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    }

    const measure = (
      set: SelectionSetNode,
      parent: GraphQLNamedType | undefined,
      depth: number,
      multiplier: number,
      paged: boolean,
      seen: Set<string>,
    ): { depth: number; cost: number } => {
      let deepest = depth;
      let cost = 0;
      for (const selection of set.selections) {
        if (selection.kind === Kind.FIELD) {
          if (selection.name.value.startsWith('__')) continue;
          cost += multiplier;
          if (!selection.selectionSet) continue;
          const field = parent && 'getFields' in parent ? (parent as GraphQLObjectType).getFields()[selection.name.value] : undefined;
          const first = selection.arguments?.find((a) => a.name.value === 'first');
          const isList = field !== undefined && isListType(getNullableType(field.type));
          // A paginated connection (a `first` argument on an object) sizes the list inside it, e.g. its edges.
          const defaultFirst = field?.args.find((a) => a.name === 'first')?.defaultValue;
          const size = first ? pageSize(first.value) : typeof defaultFirst === 'number' ? defaultFirst : isList && !paged ? UNPAGED_LIST : 1;
          const inner = measure(selection.selectionSet, field ? getNamedType(field.type) : undefined, depth + 1, multiplier * size, (first !== undefined || typeof defaultFirst === 'number') && !isList, seen);
          deepest = Math.max(deepest, inner.depth);
          cost += inner.cost;
        } else {
          const name = selection.kind === Kind.FRAGMENT_SPREAD ? selection.name.value : undefined;
          const target: InlineFragmentNode | FragmentDefinitionNode | undefined = name === undefined ? (selection as InlineFragmentNode) : fragments.get(name);
          if (!target || (name !== undefined && seen.has(name))) continue;
          const condition = target.typeCondition ? schema.getType(target.typeCondition.name.value) : parent;
          const inner = measure(target.selectionSet, condition ?? parent, depth, multiplier, paged, name ? new Set([...seen, name]) : seen);
          deepest = Math.max(deepest, inner.depth);
          cost += inner.cost;
        }
      }
      return { depth: deepest, cost };
    };

    return {
      OperationDefinition(node) {
        const root = node.operation === 'query' ? schema.getQueryType() : node.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
        const { depth, cost } = measure(node.selectionSet, root ?? undefined, 1, 1, false, new Set());
        if (depth > limits.maxDepth) {
          context.reportError(new GraphQLError(`query is nested ${depth} levels deep; the limit is ${limits.maxDepth}`, { extensions: { code: 'QUERY_TOO_DEEP' } }));
        }
        if (cost > limits.maxCost) {
          context.reportError(
            new GraphQLError(`query cost ${cost} exceeds the limit of ${limits.maxCost}; ask for fewer items (first) or fewer nested lists`, {
              extensions: { code: 'QUERY_TOO_COSTLY' },
            }),
          );
        }
      },
    };
  };
}

function pageSize(value: ValueNode): number {
  // Variables are not known during validation; a variable page size counts as the default page.
  return value.kind === Kind.INT ? Math.max(1, Number(value.value)) : DEFAULT_PAGE;
}
