/** The typed API client, generated from the server's OpenAPI schema (see schema.d.ts). */

import createClient, { type Middleware } from 'openapi-fetch';

import { csrfToken, CSRF_HEADER, needsCsrf } from './csrf';
import { toApiError } from './errors';
import type { paths } from './schema';

const csrf: Middleware = {
  async onRequest({ request }) {
    if (needsCsrf(request.method)) {
      request.headers.set(CSRF_HEADER, await csrfToken());
    }
    return request;
  },
};

function origin(): string {
  return typeof window === 'undefined' ? 'http://localhost' : window.location.origin;
}

export const api = createClient<paths>({
  baseUrl: origin(),
  credentials: 'same-origin',
  // Looked up per call (not captured once), so tests can swap the global fetch.
  fetch: (request) => globalThis.fetch(request),
});
api.use(csrf);

interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The data of a successful call; throws an ApiError carrying the server's `detail` otherwise. */
export async function unwrap<T>(call: Promise<FetchResult<T>>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) {
    throw toApiError(response.status, error);
  }
  return data as T;
}
