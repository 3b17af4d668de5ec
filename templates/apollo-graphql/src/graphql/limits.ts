import type { ApolloServerPlugin } from '@apollo/server';
import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  getArgumentValues,
  getNamedType,
  type GraphQLCompositeType,
  GraphQLError,
  type GraphQLField,
  type GraphQLSchema,
  getVariableValues,
  isCompositeType,
  isInterfaceType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../core/pagination';

export interface QueryLimits {
  maxDepth: number;
  maxCost: number;
}

export interface Measure {
  depth: number;
  cost: number;
}

const NOTHING: Measure = { depth: 0, cost: 0 };

/** The fragments of a document by name. */
export function fragmentsOf(document: DocumentNode): Record<string, FragmentDefinitionNode> {
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  }
  return fragments;
}

/**
 * Measures an operation before it runs. Depth counts nested fields. Cost counts every field
 * once, times the page sizes of the connections above it (`first` as execution will see it:
 * the query's literal, the request's variable, the variable's or the argument's default), so
 * one small query cannot ask for a million rows. Introspection fields are free.
 *
 * Each fragment is measured once, however often it is spread: a fragment spread twice in a
 * fragment spread twice … costs its measure times the spreads, computed in one pass over the
 * document, never by expanding it (which is exponential in the nesting).
 */
export function measure(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  rawVariables: Record<string, unknown>,
): Measure {
  const rootType = operation.operation === 'mutation' ? schema.getMutationType() : schema.getQueryType();
  if (!rootType) return NOTHING;
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables, { maxErrors: 1 });
  // Variables that do not coerce fail the request before execution; measure it as the largest pages.
  const variables = coerced.coerced;
  const measured = new Map<string, Measure>();

  const pageSize = (definition: GraphQLField<unknown, unknown>, node: FieldNode): number => {
    if (!variables) return MAX_PAGE_SIZE;
    try {
      const first = getArgumentValues(definition, node, variables).first;
      return typeof first === 'number' && Number.isFinite(first) ? Math.max(0, first) : DEFAULT_PAGE_SIZE;
    } catch {
      return MAX_PAGE_SIZE; // an argument execution will refuse
    }
  };

  const walk = (set: SelectionSetNode, type: GraphQLCompositeType): Measure => {
    let depth = 0;
    let cost = 0;
    for (const selection of set.selections) {
      let inner: Measure;
      if (selection.kind === Kind.FIELD) {
        inner = field(selection, type);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const on = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : type;
        inner = isCompositeType(on) ? walk(selection.selectionSet, on) : NOTHING;
      } else {
        inner = spread(selection.name.value);
      }
      depth = Math.max(depth, inner.depth);
      cost += inner.cost;
    }
    return { depth, cost };
  };

  const spread = (name: string): Measure => {
    const known = measured.get(name);
    if (known) return known;
    // Marked before the walk: a fragment spreading itself (refused by GraphQL's validation) stops here.
    measured.set(name, NOTHING);
    const fragment = fragments[name];
    const on = fragment && schema.getType(fragment.typeCondition.name.value);
    const result = fragment && isCompositeType(on) ? walk(fragment.selectionSet, on) : NOTHING;
    measured.set(name, result);
    return result;
  };

  const field = (node: FieldNode, parent: GraphQLCompositeType): Measure => {
    if (node.name.value.startsWith('__')) return NOTHING;
    const definition = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[node.name.value] : undefined;
    if (!definition) return { depth: 1, cost: 1 };
    const type = getNamedType(definition.type);
    const times = type.name.endsWith('Connection') ? pageSize(definition, node) : 1;
    const inner = node.selectionSet && isCompositeType(type) ? walk(node.selectionSet, type) : NOTHING;
    return { depth: 1 + inner.depth, cost: 1 + times * inner.cost };
  };

  return walk(operation.selectionSet, rootType);
}

/**
 * How many selections the operation has with every fragment spread written out (introspection
 * fields and the spreads themselves included), counted without writing them out: each fragment
 * once. Stops counting past `limit`.
 */
export function expandedSize(operation: OperationDefinitionNode, fragments: Record<string, FragmentDefinitionNode>, limit: number): number {
  const sizes = new Map<string, number>();
  const count = (set: SelectionSetNode): number => {
    let total = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FRAGMENT_SPREAD) total += 1 + fragmentSize(selection.name.value);
      else total += 1 + (selection.selectionSet ? count(selection.selectionSet) : 0);
      if (total > limit) return total;
    }
    return total;
  };
  const fragmentSize = (name: string): number => {
    const known = sizes.get(name);
    if (known !== undefined) return known;
    sizes.set(name, 0); // a cycle (refused by validation) counts nothing more
    const fragment = fragments[name];
    const size = fragment ? count(fragment.selectionSet) : 0;
    sizes.set(name, size);
    return size;
  };
  return count(operation.selectionSet);
}

/**
 * Refuses, before anything runs, an operation with more selections (fragments spread) than its
 * cost could allow, or deeper or costlier than the limits. Both walks are linear in the document.
 */
export function queryLimits(limits: QueryLimits): ApolloServerPlugin {
  // The most selections, fragments written out, an operation may have: what the cost limit allows,
  // and never fewer than a development tool's introspection query needs.
  const maxSelections = Math.max(limits.maxCost, 10_000);
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          if (!operation) return;
          const fragments = fragmentsOf(document);
          if (expandedSize(operation, fragments, maxSelections) > maxSelections) {
            throw refused(
              `The query has more than ${maxSelections} selections once its fragments are spread. Spread each fragment fewer times, or ask for less at once.`,
              'query_too_large',
              { limit: maxSelections },
            );
          }
          const { depth, cost } = measure(schema, operation, fragments, request.variables ?? {});
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
            const estimate = Math.min(cost, Number.MAX_SAFE_INTEGER);
            throw refused(
              `The query may cost ${estimate}; the limit is ${limits.maxCost}. Ask for smaller pages (\`first\`) or fewer nested fields.`,
              'query_too_costly',
              { cost: estimate, limit: limits.maxCost },
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
