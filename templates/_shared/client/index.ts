/**
 * A typed client of this API for front ends and other TypeScript services. `npm run client`
 * exports openapi.json and generates schema.d.ts from it, then type-checks this folder; copy the
 * folder (or publish it) and install `openapi-fetch`. Paths, parameters, bodies and answers are
 * checked against the API's own schemas:
 *
 *   const api = createApiClient({ baseUrl: 'https://api.example.com' });
 *   const { data, error } = await api.GET('/health');
 */
import createClient, { type ClientOptions } from 'openapi-fetch';
import type { paths } from './schema';

export type { components, operations, paths } from './schema';

export function createApiClient(options: ClientOptions = {}) {
  return createClient<paths>(options);
}
