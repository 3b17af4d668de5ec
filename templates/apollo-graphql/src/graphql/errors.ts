import { unwrapResolverError } from '@apollo/server/errors';
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { AppError, isUnavailable } from '../core/errors';
import type { GraphQLContext } from './context';

/**
 * Errors as clients see them: `extensions.code` is one of a few stable categories (the HTTP
 * status a REST API would answer, by name), `extensions.reason` the core's precise code
 * (`email_taken`, `not_post_author`...), and `extensions.fields` names each invalid field.
 */
export const CODE_OF_STATUS: Readonly<Record<number, string>> = {
  400: 'BAD_USER_INPUT',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  429: 'RATE_LIMITED',
  503: 'SERVICE_UNAVAILABLE',
};

type Kind = 'app' | 'graphql' | 'unavailable' | 'internal';

/** What went wrong: an error the API means to show, GraphQL's own (syntax, validation, variables), a dependency down, or a bug. */
function kindOf(original: unknown): Kind {
  if (original instanceof AppError) return 'app';
  if (isUnavailable(original)) return 'unavailable';
  if (original instanceof GraphQLError) {
    const code = original.extensions?.code;
    if (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR') return 'graphql';
  }
  return 'internal';
}

/** Apollo's `formatError`: shapes known errors and masks everything else (its message is shown in development only). */
export function formatError(exposeInternals: boolean) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const { locations, path } = formatted;
    switch (kindOf(original)) {
      case 'app': {
        const appError = original as AppError;
        const extensions: Record<string, unknown> = { code: CODE_OF_STATUS[appError.status] ?? 'BAD_REQUEST', reason: appError.code };
        if (appError.errors) extensions.fields = appError.errors;
        // A 429's wait, which REST sends as Retry-After.
        const retryAfter = appError.headers?.['retry-after'];
        if (retryAfter) extensions.retryAfterSeconds = Number(retryAfter);
        return { message: appError.message, locations, path, extensions };
      }
      case 'graphql':
        return formatted;
      case 'unavailable':
        return {
          message: 'A backing service is unavailable; retry shortly.',
          locations,
          path,
          extensions: { code: 'SERVICE_UNAVAILABLE', reason: 'dependency_unavailable' },
        };
      default:
        return {
          message: exposeInternals && original instanceof Error ? original.message : 'An unexpected error occurred.',
          locations,
          path,
          extensions: { code: 'INTERNAL_SERVER_ERROR' },
        };
    }
  };
}

/** Logs what clients only see masked: bugs as errors, unavailable dependencies as warnings. */
export function errorLogging(): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue, operationName }) {
          for (const error of errors) {
            const original = unwrapResolverError(error);
            const kind = kindOf(original);
            if (kind === 'internal') contextValue.log.error({ err: original, operationName, path: error.path }, 'resolver failed');
            if (kind === 'unavailable') contextValue.log.warn({ err: original, operationName }, 'dependency unavailable');
          }
        },
      };
    },
  };
}
