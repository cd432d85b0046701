import { GraphQLError } from 'graphql';
import { XpError } from '@xp/events';

export function unauthenticated(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
}

export function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}

const CODE_OF: Record<string, string> = {
  USAGE: 'BAD_USER_INPUT',
  INVALID_EVENT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  UNAVAILABLE: 'SERVICE_UNAVAILABLE',
};

/** Product errors keep their message and get a GraphQL error code; anything else stays an internal error. */
export function toGraphQLError(error: unknown): unknown {
  if (error instanceof XpError) {
    return new GraphQLError(error.message, { extensions: { code: CODE_OF[error.code] ?? error.code, retriable: error.retriable } });
  }
  return error;
}
