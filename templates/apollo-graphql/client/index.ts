/**
 * Typed GraphQL operations for front ends and other TypeScript services. Write an operation with
 * `graphql(...)` in this folder; `npm run client` (GraphQL Code Generator's client preset) types
 * its variables and result against src/graphql/*.graphql and type-checks the folder. Send it with
 * `request` below, or with any client that takes a typed document (Apollo Client, urql):
 *
 *   const { user } = await request('https://api.example.com/graphql', UserById, { id });
 */
import { graphql } from './generated';
import type { TypedDocumentString } from './generated/graphql';

/** A user by id: an example operation; add your own beside it. */
export const UserById = graphql(`
  query UserById($id: ID!) {
    user(id: $id) {
      id
      name
      createdAt
    }
  }
`);

/** A GraphQL error as the API sends it: `extensions.code` names the kind (BAD_USER_INPUT, NOT_FOUND, ...). */
export class GraphQLRequestError extends Error {
  constructor(readonly errors: Array<{ message: string; extensions?: { code?: string } }>) {
    super(errors.map((error) => error.message).join('; '));
  }
}

/** Sends one operation over fetch and returns its data, or throws its errors. */
export async function request<Result, Variables>(
  url: string,
  document: TypedDocumentString<Result, Variables>,
  variables: Variables,
  headers: Record<string, string> = {},
): Promise<Result> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query: document.toString(), variables }),
  });
  const body = (await response.json()) as { data?: Result | null; errors?: GraphQLRequestError['errors'] };
  if (body.errors?.length || body.data == null) throw new GraphQLRequestError(body.errors ?? [{ message: `HTTP ${response.status}` }]);
  return body.data;
}
