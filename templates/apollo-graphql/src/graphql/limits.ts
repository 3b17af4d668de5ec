import type { ApolloServerPlugin } from '@apollo/server';
import {
  type FieldNode,
  type FragmentDefinitionNode,
  getNamedType,
  type GraphQLCompositeType,
  GraphQLError,
  type GraphQLSchema,
  isCompositeType,
  isInterfaceType,
  isObjectType,
  Kind,
  type SelectionSetNode,
} from 'graphql';
import { DEFAULT_PAGE_SIZE } from '../core/pagination';

export interface QueryLimits {
  maxDepth: number;
  maxCost: number;
}

interface Measure {
  depth: number;
  cost: number;
}

/**
 * Measures an operation before it runs. Depth counts nested fields. Cost counts every field
 * once, times the page sizes of the connections above it (`first`, from the query or its
 * variables), so one small query cannot ask for a million rows. Introspection fields are free.
 */
export function measure(
  schema: GraphQLSchema,
  selectionSet: SelectionSetNode,
  rootType: GraphQLCompositeType,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
): Measure {
  const walk = (set: SelectionSetNode, type: GraphQLCompositeType, spreading: Set<string>): Measure => {
    let depth = 0;
    let cost = 0;
    for (const selection of set.selections) {
      let inner: Measure;
      if (selection.kind === Kind.FIELD) {
        inner = field(selection, type, spreading);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const on = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : type;
        inner = isCompositeType(on) ? walk(selection.selectionSet, on, spreading) : { depth: 0, cost: 0 };
      } else {
        const name = selection.name.value;
        const fragment = fragments[name];
        const on = fragment && schema.getType(fragment.typeCondition.name.value);
        // A fragment spreading itself is refused by GraphQL's own validation; here it just stops.
        if (!fragment || spreading.has(name) || !isCompositeType(on)) continue;
        inner = walk(fragment.selectionSet, on, new Set([...spreading, name]));
      }
      depth = Math.max(depth, inner.depth);
      cost += inner.cost;
    }
    return { depth, cost };
  };

  const field = (node: FieldNode, parent: GraphQLCompositeType, spreading: Set<string>): Measure => {
    if (node.name.value.startsWith('__')) return { depth: 0, cost: 0 };
    const definition = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[node.name.value] : undefined;
    if (!definition) return { depth: 1, cost: 1 };
    const type = getNamedType(definition.type);
    const times = type.name.endsWith('Connection') ? pageSize(node, variables) : 1;
    const inner = node.selectionSet && isCompositeType(type) ? walk(node.selectionSet, type, spreading) : { depth: 0, cost: 0 };
    return { depth: 1 + inner.depth, cost: 1 + times * inner.cost };
  };

  return walk(selectionSet, rootType, new Set());
}

function pageSize(node: FieldNode, variables: Record<string, unknown>): number {
  const argument = node.arguments?.find((arg) => arg.name.value === 'first');
  if (!argument) return DEFAULT_PAGE_SIZE;
  const { value } = argument;
  const given = value.kind === Kind.INT ? Number(value.value) : value.kind === Kind.VARIABLE ? variables[value.name.value] : undefined;
  return typeof given === 'number' && Number.isFinite(given) ? Math.max(0, given) : DEFAULT_PAGE_SIZE;
}

/** Refuses, before anything runs, an operation deeper or costlier than the limits. */
export function queryLimits(limits: QueryLimits): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          if (!operation) return;
          const rootType = operation.operation === 'mutation' ? schema.getMutationType() : schema.getQueryType();
          if (!rootType) return;
          const fragments: Record<string, FragmentDefinitionNode> = {};
          for (const definition of document.definitions) {
            if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
          }
          const { depth, cost } = measure(schema, operation.selectionSet, rootType, fragments, request.variables ?? {});
          if (depth > limits.maxDepth) {
            throw refused(
              `The query nests ${depth} fields deep; the limit is ${limits.maxDepth}. Ask for less at once.`,
              'query_too_deep',
              {
                depth,
                limit: limits.maxDepth,
              },
            );
          }
          if (cost > limits.maxCost) {
            throw refused(
              `The query may cost ${cost}; the limit is ${limits.maxCost}. Ask for smaller pages (\`first\`) or fewer nested fields.`,
              'query_too_costly',
              { cost, limit: limits.maxCost },
            );
          }
        },
      };
    },
  };
}

function refused(message: string, reason: string, measured: Record<string, number>): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'QUERY_TOO_COMPLEX', reason, ...measured, http: { status: 400 } } });
}
