import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { components, operations, paths } from './schema';

export type { components, operations, paths };
/** The response and request shapes of the API, by their OpenAPI schema name. */
export type Schemas = components['schemas'];
/** The typed client of the management API (generated from its own OpenAPI document). */
export type HeraldClient = Client<paths>;

export interface HeraldClientOptions {
  /** The management app's base URL, e.g. `http://127.0.0.1:8080` (or `''` for the page's own origin). */
  baseUrl: string;
  /** Read at every request, so a sign-out takes effect at once. */
  token: () => string | null;
  fetch?: typeof fetch;
}

/** A typed client of the management API that sends `Authorization: Bearer <token>`. */
export function createHeraldClient(options: HeraldClientOptions): HeraldClient {
  const client = createClient<paths>({ baseUrl: options.baseUrl, fetch: options.fetch });
  const auth: Middleware = {
    onRequest({ request }) {
      const token = options.token();
      if (token) request.headers.set('authorization', `Bearer ${token}`);
      return request;
    },
  };
  client.use(auth);
  return client;
}

/** An RFC 9457 problem as the API sends it. */
export type Problem = Schemas['Problem'];

/** The message the API gave for one field of a problem, if any (`field` as the API names it). */
export function fieldError(problem: unknown, field: string): string | undefined {
  const errors = (problem as { errors?: { field: string; message: string }[] } | undefined)?.errors;
  return errors?.find((error) => error.field === field || error.field.startsWith(`${field}.`))?.message;
}
