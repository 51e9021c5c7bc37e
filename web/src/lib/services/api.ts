/**
 * The typed client of the AIP API (openapi-fetch over the generated `paths`). Every call carries the
 * session's token; a 401 anywhere signs out and returns to the sign-in page.
 */
import createClient, { type Middleware } from 'openapi-fetch';
import { goto } from '$app/navigation';
import { session } from '../stores/session.svelte.ts';
import { ApiFailure } from './api-failure.ts';
import type { components, paths } from './api-types.ts';

export type Dataset = paths['/api/datasets/{id}']['get']['responses'][200]['content']['application/json'];
export type ErrorBody = components['schemas']['Error'];

const auth: Middleware = {
  onRequest({ request }) {
    if (session.token && !request.headers.has('authorization')) {
      request.headers.set('authorization', `Bearer ${session.token}`);
    }
    return request;
  },
  onResponse({ response }) {
    if (response.status === 401) expireSession();
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: '' });
api.use(auth);

/** A 401 from any call: the token is gone or wrong, so back to the sign-in page. */
export function expireSession(): void {
  if (!session.signedIn) return;
  session.signOut(true);
  void goto('/signin');
}

/**
 * Unwraps an openapi-fetch result: the data, or an ApiFailure from the error body. Network errors
 * (fetch throws) become ApiFailure `network` too, so callers handle one kind of failure.
 */
export async function call<T>(request: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: Awaited<typeof request>;
  try {
    result = await request;
  } catch (cause) {
    throw ApiFailure.network(cause);
  }
  if (!result.response.ok) throw ApiFailure.fromBody(result.response.status, result.error);
  return result.data as T;
}

/** Checks a token without keeping it (the sign-in page): true when the API accepts it. */
export async function tokenAccepted(token: string): Promise<boolean> {
  const result = await call(
    api.GET('/api/datasets', { headers: { authorization: `Bearer ${token}` } }),
  ).then(
    () => true,
    (failure: unknown) => {
      if (failure instanceof ApiFailure && failure.status === 401) return false;
      throw failure;
    },
  );
  return result;
}
